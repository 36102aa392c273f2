// Package extract reads the source database: it runs the configured
// SELECTs in one read-only transaction and streams their rows as typed
// values (Order, Complaint, Customer), or reads the orders and complaints
// in shards, each in a transaction of its own (Source.Shards, ShardSQL).
// It is the only package that talks to the source.
//
// Inputs: a DSN, the source time zone and the SQL of each query. Outputs:
// rows, one at a time; an orders query is never collected into a slice.
//
// Invariants:
//   - Amounts are parsed from their decimal text into integer cents without
//     floating point; more than two decimal places are rounded half away
//     from zero. A FLOAT or DOUBLE amount is first written as the shortest
//     decimal that is the same float (0.1, as the server prints it, not
//     0.10000000149); text may have blanks around it.
//   - Timestamps are instants, decided per column once per query from the
//     type the server reports (TimeColumn): a TIMESTAMP is read in UTC, the
//     zone the job sets on every session; DATETIME, DATE and text are
//     wall-clock times in the source time zone. Microseconds are kept.
//   - Ratings are read by value into millionths of a point (Rating), as
//     DECIMAL, FLOAT/DOUBLE, integer or text ("2.5", "4.0", " 4 "); ids as
//     BIGINT, BIGINT UNSIGNED (above 2^63 as text) or text.
//   - A zero date (0000-00-00…) in ordered_at or created_at is a defect of
//     its own (DefectZeroTime); in resolved_at it means NULL (open). A
//     wall-clock time that the source zone skips (in a daylight-saving
//     gap) is the instant just after the gap, on its calendar day.
//   - An order_id is not a key: order lines repeat it, and every row is
//     yielded as it is. A complaint_id is: a repeated one is a defect
//     (DefectDuplicateID), the first row read being the complaint.
//   - A value that is NULL or unreadable does not stop the stream: the row is
//     yielded with a Defect, for transform to skip and count, or, when the
//     row is still usable (a rating or resolved_at that cannot be read),
//     with a Flag, for transform to count.
//   - Required columns are matched case-insensitively; a query that lacks one
//     fails before its first row with a ColumnError naming the query and
//     the column.
//   - The shards of one read hold every row exactly once: shard k of N the
//     rows whose CRC32(customer_id) is k modulo N, shard 0 also those
//     without a customer, unless the query places {shard} and {shards}
//     itself. They share the set of complaint ids read, so that a
//     complaint_id repeated in two shards is found as in one stream.
//   - Rows come from the driver directly (sql.Conn.Raw), through a read
//     buffer of 256 KB per connection.
//   - OpenDB is the one set-up of a connection to a MySQL-compatible
//     server, the source's (Open) and the snapshot store's: the DSN parsed
//     once, no driver logger, parameters interpolated on the client, one
//     statement per query, and per DBOptions the time parsing, the dial
//     timeout, the session time zone and the read buffer. The source's
//     sessions run in UTC and dial within 10 s unless the DSN says
//     otherwise. No error shows the DSN's password (package secret).
package extract
