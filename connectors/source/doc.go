// Package source holds what every source connector shares: the connectors
// file (which connector reads what for which department), the column
// mappings that turn a row of a spreadsheet or a table into an envelope,
// and the metrics of a connector.
package source
