-- An agency's quota of inquiries a day (the principals file's
-- inquiries_per_day; NULL: none), and the inquiries counted against it: a
-- row an agency with a quota and a day of the hub's calendar.
ALTER TABLE principals ADD COLUMN inquiries_per_day integer CHECK (inquiries_per_day > 0);

CREATE TABLE inquiry_counts (
    agency  text NOT NULL,
    day     date NOT NULL,
    count   integer NOT NULL,
    PRIMARY KEY (agency, day)
);
