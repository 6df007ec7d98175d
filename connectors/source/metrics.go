package source

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics follow the connectors beyond the records they submit, which the
// intake counts (credex_connector_records_total).
type Metrics struct {
	backlog  *prometheus.GaugeVec
	lastRead *prometheus.GaugeVec
}

// NewMetrics registers the metrics of connectors on reg, once for all.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "credex_connector_backlog",
			Help: "What a connector has still to read, at its last look: files in the inbox, rows after the cursor, or messages behind the topic's end.",
		}, []string{"connector"}),
		lastRead: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "credex_connector_last_success_timestamp_seconds",
			Help: "When a connector last read its source and acknowledged what it read, as a Unix time.",
		}, []string{"connector"}),
	}
	reg.MustRegister(m.backlog, m.lastRead)
	return m
}

// Backlog sets what connector has still to read.
func (m *Metrics) Backlog(connector string, n int) {
	m.backlog.WithLabelValues(connector).Set(float64(n))
}

// Succeeded notes that connector read its source and acknowledged what it
// read at t.
func (m *Metrics) Succeeded(connector string, t time.Time) {
	m.lastRead.WithLabelValues(connector).Set(float64(t.Unix()))
}
