package extract

import (
	"strconv"
	"time"
)

// Defect says why a row's required value cannot be used. Rows with a defect
// are still yielded, so that the stage applying the spec's row rules can
// skip and count them; the zero value means the row is usable.
type Defect uint8

// Defects, one per reason a row is skipped. The names returned by String
// are the reasons shown in the data-quality sheet, the manifest and the log.
const (
	DefectNone         Defect = iota
	DefectNullCustomer        // customer_id is NULL or empty
	DefectNullTime            // ordered_at / created_at is NULL
	DefectBadTime             // ordered_at / created_at is not a date-time
	DefectNullAmount          // amount is NULL
	DefectBadAmount           // amount is not a decimal number
	DefectAmountRange         // amount is outside DECIMAL(14,2)
	DefectDuplicateID         // complaint_id already read: the first row is used (an order_id is not a key)
	DefectZeroTime            // ordered_at / created_at is a zero date (0000-00-00)

	// DefectLast is the last defect, for tables of labels.
	DefectLast = DefectZeroTime
)

// Flag marks what extract noticed in a row it could read.
type Flag uint8

// Flags; a row may have several.
const (
	FlagIDMissing   Flag = 1 << iota // order_id or complaint_id is NULL or empty
	FlagInvalidUTF8                  // a text value is not valid UTF-8 (shown with U+FFFD)
	// A complaint's satisfaction is not NULL but not a number either
	// ("good", an empty text): the complaint is used, as not rated.
	FlagSatisfactionInvalid
	// A complaint's resolved_at is not NULL but not a date-time either:
	// the complaint was resolved, at a time nobody can read (ResolvedAt
	// is zero).
	FlagResolvedAtInvalid
)

var defectNames = [...]string{
	DefectNone:         "none",
	DefectNullCustomer: "customer_id_missing",
	DefectNullTime:     "timestamp_missing",
	DefectBadTime:      "timestamp_invalid",
	DefectNullAmount:   "amount_missing",
	DefectBadAmount:    "amount_invalid",
	DefectAmountRange:  "amount_out_of_range",
	DefectDuplicateID:  "id_duplicate",
	DefectZeroTime:     "timestamp_zero",
}

func (d Defect) String() string {
	if int(d) < len(defectNames) {
		return defectNames[d]
	}
	return "unknown"
}

// Order is one row of the orders query: an order (amount > 0) or a refund
// or adjustment (amount <= 0).
type Order struct {
	// ID is the order_id as the source returns it, for the data-quality
	// examples: Orders sets it only on rows with a Defect or a Flag.
	ID string
	// The customer: CustomerNum when the source returned an integer below
	// 10^18 (NumericCustomer), else CustomerID, "" when NULL or empty (then
	// Defect is DefectNullCustomer). Customer gives it as text either way.
	CustomerID      string
	CustomerNum     uint64
	NumericCustomer bool
	Department      string    // "" when NULL or empty
	OrderedAt       time.Time // the instant: see TimeColumn
	AmountCents     int64     // amount in minor units, exact, read by value from a DECIMAL, DOUBLE, integer or text
	Defect          Defect
	Flags           Flag
}

// MaxNumericID bounds the ids kept as numbers.
const MaxNumericID = 1_000_000_000_000_000_000

// Customer is the customer id as text.
func (o *Order) Customer() string {
	if o.NumericCustomer {
		return strconv.FormatUint(o.CustomerNum, 10)
	}
	return o.CustomerID
}

// Complaint is one row of the complaints query.
type Complaint struct {
	ID         string    // complaint_id as the source returns it; "" when NULL
	CustomerID string    // "" when NULL or empty: counted, but not as a complainant
	Department string    // "" when NULL or empty
	CreatedAt  time.Time // the instant: see TimeColumn
	// ResolvedAt is zero when NULL (the complaint is open) or unreadable
	// (FlagResolvedAtInvalid: resolved at an unknown time).
	ResolvedAt time.Time
	// Satisfaction is the rating read by value, in millionths of a point
	// (2.5 is 2_500_000; further decimals are rounded half away from
	// zero), perhaps outside 1–5; meaningful only when Rated.
	Satisfaction Rating
	Rated        bool // satisfaction is a number (NULL: not rated; otherwise FlagSatisfactionInvalid)
	Category     string
	Defect       Defect
	Flags        Flag
}

// Rating is a satisfaction rating in millionths of a point.
type Rating int64

// Point is one point of a rating: a rating of 4 is 4 * Point.
const Point Rating = 1_000_000

// Float is the rating in points.
func (r Rating) Float() float64 { return float64(r) / float64(Point) }

// Customer is one row of the optional customers query.
type Customer struct {
	ID    string
	Name  string
	Owner string // the sales rep
}
