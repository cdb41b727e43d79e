// Package iati writes IATI 2.03 activity files and checks them: typed
// structs whose field order is the schema's element order (2.03 enforces it),
// the IATI Rulesets that matter to cooperation projects implemented in Go
// (Check), and validation against the official XSD with xmllint (ValidateXSD;
// the schemas are embedded from IATI/IATI-Schemas, branch version-2.03).
package iati

import (
	"bytes"
	"encoding/xml"
)

// Version is the IATI standard version written.
const Version = "2.03"

// Activities is the root element of an activity file.
type Activities struct {
	XMLName    xml.Name   `xml:"iati-activities"`
	Version    string     `xml:"version,attr"`
	Generated  string     `xml:"generated-datetime,attr,omitempty"`
	Activities []Activity `xml:"iati-activity"`
}

// Activity is one iati-activity. Its fields are declared in the order the
// 2.03 schema requires; encoding/xml writes them in that order.
type Activity struct {
	LastUpdated     string `xml:"last-updated-datetime,attr,omitempty"`
	Lang            string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	DefaultCurrency string `xml:"default-currency,attr,omitempty"`
	Humanitarian    string `xml:"humanitarian,attr,omitempty"`

	Identifier         string             `xml:"iati-identifier"`
	ReportingOrg       Org                `xml:"reporting-org"`
	Title              Text               `xml:"title"`
	Descriptions       []Description      `xml:"description"`
	ParticipatingOrgs  []ParticipatingOrg `xml:"participating-org"`
	OtherIdentifiers   []OtherIdentifier  `xml:"other-identifier"`
	Status             Code               `xml:"activity-status"`
	Dates              []ActivityDate     `xml:"activity-date"`
	Scope              *Code              `xml:"activity-scope"`
	RecipientCountries []Recipient        `xml:"recipient-country"`
	RecipientRegions   []Recipient        `xml:"recipient-region"`
	Sectors            []Sector           `xml:"sector"`
	Tags               []Tag              `xml:"tag"`
	CollaborationType  *Code              `xml:"collaboration-type"`
	DefaultFlowType    *Code              `xml:"default-flow-type"`
	DefaultFinanceType *Code              `xml:"default-finance-type"`
	DefaultAidTypes    []AidType          `xml:"default-aid-type"`
	DefaultTiedStatus  *Code              `xml:"default-tied-status"`
	Budgets            []Budget           `xml:"budget"`
	Transactions       []Transaction      `xml:"transaction"`
	DocumentLinks      []DocumentLink     `xml:"document-link"`
	Results            []Result           `xml:"result"`
}

// Narrative is a text in one language.
type Narrative struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Text string `xml:",chardata"`
}

// Text is an element made of narratives.
type Text struct {
	Narratives []Narrative `xml:"narrative"`
}

// NewText returns a Text with one narrative in the activity's default language.
func NewText(s string) Text { return Text{Narratives: []Narrative{{Text: s}}} }

// String returns the first narrative.
func (t Text) String() string {
	if len(t.Narratives) == 0 {
		return ""
	}
	return t.Narratives[0].Text
}

// Code is an element with only a code attribute.
type Code struct {
	Code string `xml:"code,attr"`
}

// Org is a reporting-org, provider-org or receiver-org.
type Org struct {
	Ref  string `xml:"ref,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	// ProviderActivityID is, in a transaction's provider-org, the
	// provider's own published activity, so that the same money is not
	// counted twice across publishers (never set elsewhere).
	ProviderActivityID string      `xml:"provider-activity-id,attr,omitempty"`
	Narratives         []Narrative `xml:"narrative"`
}

// Description is a description of a given DescriptionType (1 general,
// 2 objectives, 3 target groups, 4 other).
type Description struct {
	Type       string      `xml:"type,attr,omitempty"`
	Narratives []Narrative `xml:"narrative"`
}

// ParticipatingOrg is an organisation in one OrganisationRole (1 funding,
// 2 accountable, 3 extending, 4 implementing).
type ParticipatingOrg struct {
	Ref        string      `xml:"ref,attr,omitempty"`
	Type       string      `xml:"type,attr,omitempty"`
	Role       string      `xml:"role,attr"`
	Narratives []Narrative `xml:"narrative"`
}

// OtherIdentifier is another identifier of the activity (A1: the
// reporting organisation's internal code).
type OtherIdentifier struct {
	Ref  string `xml:"ref,attr"`
	Type string `xml:"type,attr"`
}

// ActivityDate is a date of ActivityDateType (1 planned start, 2 actual
// start, 3 planned end, 4 actual end).
type ActivityDate struct {
	Type    string `xml:"type,attr"`
	ISODate string `xml:"iso-date,attr"`
}

// Recipient is a recipient-country or recipient-region.
type Recipient struct {
	Code       string `xml:"code,attr"`
	Vocabulary string `xml:"vocabulary,attr,omitempty"`
	Percentage string `xml:"percentage,attr,omitempty"`
}

// Sector is a sector in a vocabulary (1 DAC 5-digit; 99 the reporting
// organisation's own, which needs a narrative).
type Sector struct {
	Vocabulary string      `xml:"vocabulary,attr,omitempty"`
	Code       string      `xml:"code,attr"`
	Percentage string      `xml:"percentage,attr,omitempty"`
	Narratives []Narrative `xml:"narrative"`
}

// Tag is a tag in a vocabulary (99: the reporting organisation's own).
type Tag struct {
	Vocabulary string      `xml:"vocabulary,attr"`
	Code       string      `xml:"code,attr"`
	Narratives []Narrative `xml:"narrative"`
}

// AidType is a default-aid-type.
type AidType struct {
	Code       string `xml:"code,attr"`
	Vocabulary string `xml:"vocabulary,attr,omitempty"`
}

// Budget is one budget period (at most a year, rule 7.5.3).
type Budget struct {
	Type        string `xml:"type,attr,omitempty"`   // 1 original, 2 revised
	Status      string `xml:"status,attr,omitempty"` // 1 indicative, 2 committed
	PeriodStart Date   `xml:"period-start"`
	PeriodEnd   Date   `xml:"period-end"`
	Value       Value  `xml:"value"`
}

// Date is an element with an iso-date attribute.
type Date struct {
	ISODate string `xml:"iso-date,attr"`
}

// Value is an amount with its value date.
type Value struct {
	Currency  string `xml:"currency,attr,omitempty"`
	ValueDate string `xml:"value-date,attr"`
	Amount    int64  `xml:",chardata"`
}

// Transaction is a transaction of TransactionType (1 incoming funds,
// 4 expenditure, 11 incoming commitment…).
type Transaction struct {
	Type        Code  `xml:"transaction-type"`
	Date        Date  `xml:"transaction-date"`
	Value       Value `xml:"value"`
	Description *Text `xml:"description"`
	ProviderOrg *Org  `xml:"provider-org"`
	ReceiverOrg *Org  `xml:"receiver-org"`
}

// DocumentLink is a document of the activity: title, category
// (DocumentCategory), language and date.
type DocumentLink struct {
	URL        string `xml:"url,attr"`
	Format     string `xml:"format,attr"`
	Title      Text   `xml:"title"`
	Categories []Code `xml:"category"`
	Languages  []Code `xml:"language"`
	Date       *Date  `xml:"document-date"`
}

// Result is an expected result of ResultType (1 output, 2 outcome, 3 impact).
type Result struct {
	Type       string      `xml:"type,attr"`
	Title      Text        `xml:"title"`
	Indicators []Indicator `xml:"indicator"`
}

// Indicator is a result indicator (measure 1: unit).
type Indicator struct {
	Measure   string   `xml:"measure,attr"`
	Ascending string   `xml:"ascending,attr,omitempty"`
	Title     Text     `xml:"title"`
	Baselines []Base   `xml:"baseline"`
	Periods   []Period `xml:"period"`
}

// Base is an indicator baseline.
type Base struct {
	Year  string `xml:"year,attr"`
	Value string `xml:"value,attr,omitempty"`
}

// Period is an indicator period with its target (and actual).
type Period struct {
	Start   Date     `xml:"period-start"`
	End     Date     `xml:"period-end"`
	Targets []Amount `xml:"target"`
	Actuals []Amount `xml:"actual"`
}

// Amount is a target or actual value.
type Amount struct {
	Value string `xml:"value,attr,omitempty"`
}

// Marshal writes doc as an indented XML document with its declaration.
func Marshal(doc *Activities) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
