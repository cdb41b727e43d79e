package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
)

// cooperationCmd is South-South and Triangular Cooperation
// (docs/cooperation.md): partners, staff, the path of a project, the
// shared-costs ledger and the IATI and SEGIB exports.
func cooperationCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:     "cooperation",
		Aliases: []string{"coop"},
		Short:   "South-South and Triangular Cooperation: partners, staff, projects, ledger, IATI and SEGIB exports",
		Long: `Takes a partner's request through feasibility, design, the directors' review (checked
against staff availability), the agreement and its signatures, execution and systematization,
with the seed's principles enforced as rules. Complex inputs (a design, an agreement, an
event, a systematization) are JSON files; see docs/cooperation.md for their shape.
Dates are YYYY-MM-DD, months YYYY-MM.`,
	}
	c.AddCommand(coopOrgCmd(cfg), coopStaffCmd(cfg), coopLinkCmd(cfg), coopRequestCmd(cfg), coopFeasibilityCmd(cfg),
		coopDesignCmd(cfg), coopReviewCmd(cfg), coopAgreeCmd(cfg), coopSignCmd(cfg), coopAmendCmd(cfg), coopSignAmendmentCmd(cfg), coopWithdrawAmendmentCmd(cfg), coopDateCmd(cfg, "start", "Initiate the project (every required signature must be in)"),
		coopEventCmd(cfg), coopReportCmd(cfg), coopExecuteCmd(cfg), coopDateCmd(cfg, "systematize", "Move an executing project to systematization and evaluation"),
		coopSystematizationCmd(cfg), coopDocumentCmd(cfg), coopDateCmd(cfg, "close", "Close a project whose systematization is complete"), coopPublicCmd(cfg),
		coopListCmd(cfg), coopShowCmd(cfg), coopExportIATICmd(cfg), coopSEGIBCmd(cfg))
	return c
}

// readJSON decodes the JSON file path into v, refusing unknown fields so a
// misspelt field is not silently dropped.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fosis.Errorf(fosis.EINVALID, "%s: %v", path, err)
	}
	return nil
}

func parseDay(flag, s string) (cooperation.Date, error) {
	d, err := cooperation.ParseDate(s)
	if err != nil {
		return d, fosis.Errorf(fosis.EINVALID, "--%s: %s", flag, fosis.ErrorMessage(err))
	}
	return d, nil
}

func coopOrgCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{Use: "org", Short: "Partner organisations: add (or update by name) and list"}
	var o cooperation.Org
	var roles string
	add := &cobra.Command{
		Use:   "add NAME --country CC --roles strategic,technical,financial",
		Short: "Add or update an organisation",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			o.Name = args[0]
			for _, r := range strings.Split(roles, ",") {
				switch strings.TrimSpace(r) {
				case "strategic":
					o.Strategic = true
				case "technical":
					o.Technical = true
				case "financial":
					o.Financial = true
				case "":
				default:
					return fosis.Errorf(fosis.EINVALID, "--roles: %q is not strategic, technical or financial", r)
				}
			}
			out, err := a.Cooperation.SaveOrg(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "organisation %d: %s (%s) %s\n", out.ID, out.Name, orDash(out.Country), strings.Join(out.Roles(), ", "))
			return nil
		}),
	}
	f := add.Flags()
	f.StringVar(&o.Country, "country", "", "ISO 3166-1 alpha-2 code (empty for international bodies)")
	f.StringVar(&o.IATIRef, "iati-ref", "", "IATI organisation identifier, e.g. CL-RUT-60109000-3")
	f.IntVar(&o.Type, "type", 10, "IATI OrganisationType code (10 government, 40 multilateral, 60 foundation…)")
	f.StringVar(&roles, "roles", "", "comma-separated: strategic, technical, financial")
	f.BoolVar(&o.Agency, "agency", false, "a national cooperation agency (AGCI, APC, AUCI…)")
	f.BoolVar(&o.Reporting, "reporting", false, "FOSIS itself: the IATI reporting organisation")
	list := &cobra.Command{
		Use: "list", Short: "List organisations", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			os, err := a.Cooperation.Orgs(ctx)
			if err != nil {
				return err
			}
			return printList(a, false, os, "", "COUNTRY\tNAME\tROLES\tAGENCY\tIATI", func(tw io.Writer, i int) {
				o := os[i]
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", orDash(o.Country), o.Name, strings.Join(o.Roles(), ","), yes(o.Agency), orDash(o.IATIRef))
			})
		}),
	}
	c.AddCommand(add, list)
	return c
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

func coopStaffCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{Use: "staff", Short: "FOSIS professionals: add (or update by name) and list"}
	var st cooperation.Staff
	var level string
	var programs, avail []string
	add := &cobra.Command{
		Use:   "add NAME --level LEVEL --program NAME:designed|ran --availability FROM:TO:PERCENT",
		Short: "Add or update a professional with their programs and availability",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			st.Name, st.Level = args[0], cooperation.Level(level)
			for _, p := range programs {
				name, role, ok := strings.Cut(p, ":")
				if !ok {
					return fosis.Errorf(fosis.EINVALID, "--program %q: write NAME:designed or NAME:ran", p)
				}
				st.Programs = append(st.Programs, cooperation.Program{Name: name, Role: role})
			}
			for _, v := range avail {
				parts := strings.Split(v, ":")
				if len(parts) != 3 {
					return fosis.Errorf(fosis.EINVALID, "--availability %q: write FROM:TO:PERCENT, e.g. 2026-01:2027-12:50", v)
				}
				share, err := strconv.Atoi(parts[2])
				if err != nil {
					return fosis.Errorf(fosis.EINVALID, "--availability %q: %q is not a whole percent", v, parts[2])
				}
				st.Avail = append(st.Avail, cooperation.Availability{From: cooperation.Month(parts[0]), To: cooperation.Month(parts[1]), Share: share})
			}
			out, err := a.Cooperation.SaveStaff(ctx, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "professional %d: %s (%s)\n", out.ID, out.Name, out.Level)
			return nil
		}),
	}
	f := add.Flags()
	f.StringVar(&st.Position, "position", "", "position at FOSIS")
	f.StringVar(&level, "level", "", "decision level: authority, director, coordinator or professional")
	f.StringArrayVar(&programs, "program", nil, "a national program and the role in it, NAME:designed or NAME:ran (repeatable)")
	f.StringArrayVar(&avail, "availability", nil, "share of time for cooperation, FROM:TO:PERCENT in months (repeatable)")
	list := &cobra.Command{
		Use: "list", Short: "List professionals with programs and availability", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			sts, err := a.Cooperation.StaffList(ctx)
			if err != nil {
				return err
			}
			return printList(a, false, sts, "", "ID\tNAME\tLEVEL\tPROGRAMS\tAVAILABILITY", func(tw io.Writer, i int) {
				s := sts[i]
				var ps, as []string
				for _, p := range s.Programs {
					ps = append(ps, p.Name+" ("+p.Role+")")
				}
				for _, v := range s.Avail {
					as = append(as, fmt.Sprintf("%s..%s %d%%", v.From, v.To, v.Share))
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.Level, orDash(strings.Join(ps, ", ")), orDash(strings.Join(as, ", ")))
			})
		}),
	}
	c.AddCommand(add, list)
	return c
}

func coopLinkCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "link USERNAME ORG",
		Short: "Link a counterpart's or financer's account to the organisation it speaks for",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			u, err := a.Auth.UserByUsername(ctx, args[0])
			if err != nil {
				return err
			}
			if err := a.Cooperation.LinkMember(ctx, u.ID, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s (%s) speaks for %s\n", u.Username, u.Role, args[1])
			return nil
		}),
	}
}

func coopRequestCmd(cfg *Config) *cobra.Command {
	var rq cooperation.Request
	var channel, on string
	c := &cobra.Command{
		Use:   "request CODE --title T --country CC --org ORG --channel CH --on DATE",
		Short: "Record a partner institution's request",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var err error
			rq.Code, rq.Channel = args[0], cooperation.Channel(channel)
			if rq.RequestedOn, err = parseDay("on", on); err != nil {
				return err
			}
			p, err := a.Cooperation.CreateRequest(ctx, rq)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %s (%s), requested by %s\n", p.Code, p.Title, p.Step, p.RequestingOrg)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&rq.Title, "title", "", "title")
	f.StringVar(&rq.PartnerCountry, "country", "", "partner country (ISO 3166-1 alpha-2)")
	f.StringVar(&rq.RequestingOrg, "org", "", "the requesting institution (an organisation of the partner country)")
	f.StringVar(&channel, "channel", "", "partner_agency, agci, direct or financer")
	f.StringVar(&rq.TriangularAsker, "asker", "", "the organisation that asked for triangular cooperation")
	f.StringVar(&rq.Problem, "problem", "", "the problem the partner wants to address")
	f.StringVar(&rq.SectorDAC, "sector", "16010", "DAC 5-digit purpose code")
	f.StringVar(&rq.SEGIBSector, "segib-sector", "", "SEGIB sector, e.g. \"Otros servicios y políticas sociales\"")
	f.BoolVar(&rq.Bidirectional, "bidirectional", false, "a bilateral exchange in which both countries offer and receive (SEGIB role \"ambos\")")
	f.StringSliceVar(&rq.OtherCountries, "also-country", nil, "a further receiving country of a regional initiative (ISO code; repeatable, or comma-separated)")
	f.IntSliceVar(&rq.SDGs, "sdg", nil, "a Sustainable Development Goal (1–17) the project contributes to (repeatable, or comma-separated)")
	f.StringVar(&rq.Instrument, "instrument", "project", "programme, project or action")
	f.StringVar(&rq.Currency, "currency", "USD", "ISO 4217 currency of the budget")
	f.BoolVar(&rq.Public, "public", false, "publish in IATI once approved")
	f.StringVar(&on, "on", "", "date the request was received")
	return c
}

func coopFeasibilityCmd(cfg *Config) *cobra.Command {
	var fe cooperation.Feasibility
	var criteria []string
	var on string
	c := &cobra.Command{
		Use:   "feasibility CODE --criterion NAME=yes|no --decision approve|reject --on DATE --by WHO",
		Short: "Record the feasibility evaluation of a request",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var err error
			for _, cr := range criteria {
				name, met, ok := strings.Cut(cr, "=")
				if !ok || (met != "yes" && met != "no") {
					return fosis.Errorf(fosis.EINVALID, "--criterion %q: write NAME=yes or NAME=no", cr)
				}
				fe.Criteria = append(fe.Criteria, cooperation.Criterion{Name: name, Met: met == "yes"})
			}
			if fe.DecidedOn, err = parseDay("on", on); err != nil {
				return err
			}
			if err := a.Cooperation.Evaluate(ctx, args[0], fe); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: feasibility %s\n", strings.ToUpper(args[0]), fe.Decision)
			return nil
		}),
	}
	f := c.Flags()
	f.StringArrayVar(&criteria, "criterion", nil, "a criterion and whether it is met, NAME=yes or NAME=no (repeatable)")
	f.StringVar(&fe.Decision, "decision", "", "approve or reject")
	f.StringVar(&on, "on", "", "date of the decision")
	f.StringVar(&fe.DecidedBy, "by", "", "who decided")
	f.StringVar(&fe.Note, "note", "", "note")
	return c
}

func coopDesignCmd(cfg *Config) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "design CODE --file DESIGN.json",
		Short: "Save the next version of a project's design (objectives, results, activities, stages, team, budget)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			d, err := cooperation.ParseDesign(b)
			if err != nil {
				return err
			}
			res, err := a.Cooperation.SaveDesign(ctx, args[0], d)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: design version %d saved\n", strings.ToUpper(args[0]), res.Version)
			for _, fl := range res.Flags {
				fmt.Fprintf(a.Stdout, "  flag (%s): %s\n", fl.Rule, fl.Message)
			}
			return nil
		}),
	}
	c.Flags().StringVar(&file, "file", "", "the design as JSON")
	c.MarkFlagRequired("file")
	return c
}

func coopReviewCmd(cfg *Config) *cobra.Command {
	var rv cooperation.Review
	var on string
	var decisions []string
	c := &cobra.Command{
		Use:   "review CODE --decision approve|revise --on DATE --directors WHO [--financer ORG=approve]",
		Short: "Record the directors' review of the latest design (approval is checked against staff availability)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var err error
			if rv.DecidedOn, err = parseDay("on", on); err != nil {
				return err
			}
			if rv.FinancerDecisions, err = cooperation.ParseFinancerDecisions(decisions); err != nil {
				return err
			}
			if err := a.Cooperation.ReviewDesign(ctx, args[0], rv); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: review %s\n", strings.ToUpper(args[0]), rv.Decision)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&rv.Decision, "decision", "", "approve or revise")
	f.StringVar(&on, "on", "", "date of the review")
	f.StringVar(&rv.Directors, "directors", "", "the department directors who reviewed")
	f.StringVar(&rv.Financers, "financers", "", "the financing sources present")
	f.StringArrayVar(&decisions, "financer", nil, "a financing source of a triangular design and its decision, ORG=approve or ORG=revise (repeatable; every financer of the budget decides)")
	f.StringVar(&rv.Note, "note", "", "conditions or remarks")
	f.IntVar(&rv.Version, "version", 0, "the design version reviewed (default the latest)")
	return c
}

func coopAgreeCmd(cfg *Config) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "agree CODE --file AGREEMENT.json",
		Short: "Record the agreement: deadlines, resources, start-up financing and each party's commitment",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var ag cooperation.Agreement
			if err := readJSON(file, &ag); err != nil {
				return err
			}
			if err := a.Cooperation.Agree(ctx, args[0], ag); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: agreement recorded, %d parties to sign\n", strings.ToUpper(args[0]), len(ag.Parties))
			return nil
		}),
	}
	c.Flags().StringVar(&file, "file", "", "the agreement as JSON")
	c.MarkFlagRequired("file")
	return c
}

func coopSignCmd(cfg *Config) *cobra.Command {
	var org, by, on, place string
	c := &cobra.Command{
		Use:   "sign CODE --org ORG --by PERSON --on DATE",
		Short: "Record a party's signature of the agreement",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			d, err := parseDay("on", on)
			if err != nil {
				return err
			}
			if err := a.Cooperation.Sign(ctx, args[0], org, by, d, place); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: signed by %s\n", strings.ToUpper(args[0]), org)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&org, "org", "", "the signing organisation")
	f.StringVar(&by, "by", "", "the person who signed")
	f.StringVar(&on, "on", "", "date of the signature")
	f.StringVar(&place, "place", "", "place of the signature")
	return c
}

// coopDateCmd is a transition that takes only a date: start, systematize, close.
func coopDateCmd(cfg *Config, name, short string) *cobra.Command {
	var on, status, reason string
	c := &cobra.Command{
		Use:   name + " CODE --on DATE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			d, err := parseDay("on", on)
			if err != nil {
				return err
			}
			s := a.Cooperation
			fn := map[string]func(context.Context, string, cooperation.Date) error{"start": s.Start, "systematize": s.BeginSystematization,
				"close": func(ctx context.Context, code string, d cooperation.Date) error {
					return s.CloseWith(ctx, code, cooperation.Closing{On: d, Status: status, Reason: reason})
				}}[name]
			if err := fn(ctx, args[0], d); err != nil {
				return err
			}
			v, err := s.Get(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %s (stage %s)\n", v.Project.Code, v.Project.Step, v.Project.Stage)
			return nil
		}),
	}
	c.Flags().StringVar(&on, "on", "", "date")
	if name == "close" {
		c.Use = name + " CODE --on DATE [--status completed|cancelled|suspended --reason WHY]"
		c.Flags().StringVar(&status, "status", "completed", "how the project ends: completed (after 18 months), or cancelled or suspended with --reason")
		c.Flags().StringVar(&reason, "reason", "", "why a project is cancelled or suspended before its end")
	}
	return c
}

func coopEventCmd(cfg *Config) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "event CODE --file EVENT.json",
		Short: "Record an exchange event (expert visit, study tour, workshop, monitoring…) with its participants",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var e cooperation.Event
			if err := readJSON(file, &e); err != nil {
				return err
			}
			id, err := a.Cooperation.AddEvent(ctx, args[0], e)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: event %d (%s)\n", strings.ToUpper(args[0]), id, e.Kind)
			return nil
		}),
	}
	c.Flags().StringVar(&file, "file", "", "the event as JSON")
	c.MarkFlagRequired("file")
	return c
}

func coopReportCmd(cfg *Config) *cobra.Command {
	var report string
	c := &cobra.Command{
		Use:   "report CODE EVENT-ID --text REPORT",
		Short: "Record the report of an exchange event that has ended",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not an event id", args[1])
			}
			if err := a.Cooperation.ReportEvent(ctx, args[0], id, report); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: event %d reported\n", strings.ToUpper(args[0]), id)
			return nil
		}),
	}
	c.Flags().StringVar(&report, "text", "", "the report")
	return c
}

func coopExecuteCmd(cfg *Config) *cobra.Command {
	var e cooperation.Execution
	var on string
	c := &cobra.Command{
		Use:   "execute CODE --org ORG --year Y --category C --kind cash|in_kind --amount N --on DATE",
		Short: "Record what a party executed on a line of the shared-costs ledger",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var err error
			if e.On, err = parseDay("on", on); err != nil {
				return err
			}
			if err := a.Cooperation.RecordExecution(ctx, args[0], e); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %s %d %s %s executed %d\n", strings.ToUpper(args[0]), e.Org, e.Year, e.Category, e.Kind, e.Amount)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&e.Org, "org", "", "the contributing organisation")
	f.IntVar(&e.Year, "year", 0, "year of the ledger line")
	f.StringVar(&e.Category, "category", "", strings.Join(cooperation.Categories, ", "))
	f.StringVar(&e.Kind, "kind", "cash", "cash or in_kind")
	f.StringVar(&e.Valuation, "valuation", "", "how an in-kind contribution is valued")
	f.Int64Var(&e.Amount, "amount", 0, "amount executed, whole units of the project's currency")
	f.StringVar(&on, "on", "", "date of the record (not in the future)")
	return c
}

func coopSystematizationCmd(cfg *Config) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "systematization CODE --file SYSTEMATIZATION.json",
		Short: "Record lessons, the good-practice case, evaluation findings and the management response",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var sy cooperation.Systematization
			if err := readJSON(file, &sy); err != nil {
				return err
			}
			if err := a.Cooperation.SaveSystematization(ctx, args[0], sy); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: systematization saved\n", strings.ToUpper(args[0]))
			return nil
		}),
	}
	c.Flags().StringVar(&file, "file", "", "the systematization as JSON")
	c.MarkFlagRequired("file")
	return c
}

func coopDocumentCmd(cfg *Config) *cobra.Command {
	var d cooperation.Document
	var on string
	c := &cobra.Command{
		Use:   "document CODE --title T --category A09 --url URL --format application/pdf --on DATE",
		Short: "Add a document of a project (published in IATI as a document-link)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var err error
			if d.Date, err = parseDay("on", on); err != nil {
				return err
			}
			id, err := a.Cooperation.AddDocument(ctx, args[0], d)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: document %d (%s)\n", strings.ToUpper(args[0]), id, d.Category)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&d.Title, "title", "", "title")
	f.StringVar(&d.Category, "category", "", "IATI document category: A02 objectives, A05 budget, A07 evaluation, A08 results, A09 memorandum of understanding, A11 contract…")
	f.StringVar(&d.URL, "url", "", "where the document is (http or https)")
	f.StringVar(&d.Format, "format", "application/pdf", "MIME type")
	f.StringVar(&d.Language, "lang", "es", "es, en, pt or fr")
	f.StringVar(&on, "on", "", "date of the document")
	return c
}

func coopPublicCmd(cfg *Config) *cobra.Command {
	var off bool
	c := &cobra.Command{
		Use:   "public CODE [--off]",
		Short: "Mark a project public (published in the IATI export) or, with --off, not",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			if err := a.Cooperation.SetPublic(ctx, args[0], !off); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: public %v\n", strings.ToUpper(args[0]), !off)
			return nil
		}),
	}
	c.Flags().BoolVar(&off, "off", false, "stop publishing")
	return c
}

func coopListCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "The pipeline: every request and project by stage", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ps, err := a.Cooperation.List(ctx)
			if err != nil {
				return err
			}
			return printList(a, false, ps, "no cooperation projects yet: record a request with 'fosis cooperation request'", "CODE\tCOUNTRY\tSTAGE\tSTEP\tMODALITY\tTITLE", func(tw io.Writer, i int) {
				p := ps[i]
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Code, p.PartnerCountry, p.Stage, p.Step, orDash(string(p.Modality)), p.Title)
			})
		}),
	}
}

func coopShowCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use: "show CODE", Short: "Everything about a project, as JSON", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			v, err := a.Cooperation.Get(ctx, args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(a.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}),
	}
}

func coopExportIATICmd(cfg *Config) *cobra.Command {
	var out string
	var noXSD, strict bool
	c := &cobra.Command{
		Use:   "export-iati --out FILE [--strict]",
		Short: "Write every public project as an IATI 2.03 activity file: the valid activities, listing the invalid ones with their findings (--strict: refuse the file)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ex, err := a.Cooperation.ExportIATI(ctx, cooperation.ExportOptions{XSD: !noXSD, Strict: strict})
			if err != nil {
				var fe *fosis.Error
				if errors.As(err, &fe) && len(fe.Fields) > 0 {
					fmt.Fprintln(a.Stderr, "findings:")
					for _, f := range fe.Fields {
						fmt.Fprintf(a.Stderr, "  %s: %s\n", f.Field, f.Message)
					}
					return &exitError{code: ExitRejected, err: err}
				}
				return err
			}
			if err := writeFile(out, ex.XML); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %d activities", out, len(ex.Activities))
			if !noXSD {
				fmt.Fprint(a.Stdout, ", valid against the IATI 2.03 schema")
			}
			fmt.Fprintln(a.Stdout)
			for _, s := range ex.Skipped {
				fmt.Fprintf(a.Stdout, "  not published yet: %s\n", s)
			}
			for _, inv := range ex.Invalid {
				fmt.Fprintf(a.Stderr, "left out, breaks IATI rules: %s\n", inv.Identifier)
				for _, f := range inv.Findings {
					fmt.Fprintf(a.Stderr, "  %s: %s (rule %s)\n", f.Path, f.Message, f.Rule)
				}
			}
			if len(ex.Invalid) > 0 {
				return &exitError{code: ExitRejected, err: fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.iati_left_out", "%d activities left out of the file: correct them and export again", len(ex.Invalid))}
			}
			return nil
		}),
	}
	c.Flags().StringVar(&out, "out", "", "the file to write")
	c.Flags().BoolVar(&noXSD, "no-xsd", false, "skip the schema validation with xmllint (the IATI rules are still checked)")
	c.Flags().BoolVar(&strict, "strict", false, "refuse the whole file when one activity breaks a rule")
	c.MarkFlagRequired("out")
	return c
}

func coopSEGIBCmd(cfg *Config) *cobra.Command {
	var out, lang string
	var year int
	c := &cobra.Command{
		Use:   "segib --out FILE.csv|FILE.xlsx",
		Short: "Write the SEGIB South-South report fields (one row per partner of each approved project)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rows, err := a.Cooperation.SEGIB(ctx, year)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			switch strings.ToLower(filepath.Ext(out)) {
			case ".csv":
				err = cooperation.WriteSEGIBCSV(&b, rows, lang)
			case ".xlsx":
				err = cooperation.WriteSEGIBXLSX(&b, rows, lang)
			default:
				return fosis.Errorf(fosis.EINVALID, "--out %q: name a .csv or .xlsx file", out)
			}
			if err != nil {
				return err
			}
			if err := writeFile(out, b.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %d rows\n", out, len(rows))
			return nil
		}),
	}
	c.Flags().StringVar(&out, "out", "", "the file to write (.csv or .xlsx)")
	c.Flags().StringVar(&lang, "lang", "es", "column titles: es or en")
	c.Flags().IntVar(&year, "year", 0, "only projects in execution in that year")
	c.MarkFlagRequired("out")
	return c
}

// writeFile writes b to path through a temporary file, so a failed write
// never leaves half a file.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// seedCooperationDemo fills the cooperation module of the demo (once) and
// links the demo's counterpart to the Paraguayan ministry and its financer
// to GIZ, so that each sees the projects its organisation is part of.
func seedCooperationDemo(ctx context.Context, a *App) error {
	n, err := a.Cooperation.SeedDemo(ctx)
	if err != nil {
		return fmt.Errorf("cooperation demo: %w", err)
	}
	for user, org := range map[string]string{"contraparte": "Ministerio de Desarrollo Social (Paraguay)", "financiador": "GIZ"} {
		u, err := a.Auth.UserByUsername(ctx, user)
		if err != nil {
			return err
		}
		if err := a.Cooperation.LinkMember(ctx, u.ID, org); err != nil {
			return err
		}
	}
	if n > 0 {
		fmt.Fprintf(a.Stdout, "cooperation: %d projects with seven partner countries, bilateral and triangular, at every step (fosis cooperation list)\n", n)
	}
	k, err := a.Knowledge.SeedDemo(ctx)
	if err != nil {
		return fmt.Errorf("knowledge demo: %w", err)
	}
	if k > 0 {
		fmt.Fprintf(a.Stdout, "knowledge: %d catalogue items, the seed's seven principles among them (fosis knowledge search familias)\n", k)
	}
	return nil
}

func coopAmendCmd(cfg *Config) *cobra.Command {
	var kind, on, reason string
	var add []string
	c := &cobra.Command{
		Use:   "amend CODE --on DATE --reason TEXT [--kind KIND] [--add ORG=COMMITMENT]...",
		Short: "Propose an amendment of a signed agreement: parties joining, or another kind (every party signs it)",
		Long: `An amendment is the only way parties join a signed agreement or its kind changes: a
financer joining a bilateral project makes it triangular, so the amendment also says the new
kind (trilateral or two_bilaterals). Every party of the amended agreement signs it with
sign-amendment; it takes effect with the last signature.`,
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			d, err := parseDay("on", on)
			if err != nil {
				return err
			}
			am := cooperation.Amendment{Kind: kind, On: d, Reason: reason}
			for _, x := range add {
				org, commitment, ok := strings.Cut(x, "=")
				if !ok {
					return fosis.Errorf(fosis.EINVALID, "--add %q: write ORG=COMMITMENT", x)
				}
				am.Add = append(am.Add, cooperation.AmendParty{Org: org, Commitment: commitment})
			}
			n, err := a.Cooperation.ProposeAmendment(ctx, args[0], am)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: amendment %d proposed; every party signs it with sign-amendment\n", strings.ToUpper(args[0]), n)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&kind, "kind", "", "the amended agreement's kind: bilateral, trilateral or two_bilaterals (default: unchanged)")
	f.StringVar(&on, "on", "", "date of the proposal")
	f.StringVar(&reason, "reason", "", "why the agreement is amended")
	f.StringArrayVar(&add, "add", nil, "an organisation joining the agreement and what it commits to, ORG=COMMITMENT (repeatable)")
	return c
}

func coopSignAmendmentCmd(cfg *Config) *cobra.Command {
	var org, by, on, place string
	c := &cobra.Command{
		Use:   "sign-amendment CODE NUMBER --org ORG --by PERSON --on DATE",
		Short: "Record a party's signature of an amendment (the last one puts it in effect)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return fosis.Errorf(fosis.EINVALID, "%q is not an amendment number", args[1])
			}
			d, err := parseDay("on", on)
			if err != nil {
				return err
			}
			if err := a.Cooperation.SignAmendment(ctx, args[0], n, org, by, d, place); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: amendment %d signed by %s\n", strings.ToUpper(args[0]), n, org)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&org, "org", "", "the signing organisation")
	f.StringVar(&by, "by", "", "the person who signed")
	f.StringVar(&on, "on", "", "date of the signature")
	f.StringVar(&place, "place", "", "place of the signature")
	return c
}

func coopWithdrawAmendmentCmd(cfg *Config) *cobra.Command {
	var on, reason string
	c := &cobra.Command{
		Use:   "withdraw-amendment CODE NUMBER --on DATE --reason TEXT",
		Short: "Withdraw an amendment still waiting for signatures",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return fosis.Errorf(fosis.EINVALID, "%q is not an amendment number", args[1])
			}
			d, err := parseDay("on", on)
			if err != nil {
				return err
			}
			if err := a.Cooperation.WithdrawAmendment(ctx, args[0], n, d, reason); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: amendment %d withdrawn\n", strings.ToUpper(args[0]), n)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&on, "on", "", "date of the withdrawal")
	f.StringVar(&reason, "reason", "", "why it is withdrawn")
	return c
}
