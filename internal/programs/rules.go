package programs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/fosis/fosis"
)

// Eligibility rules are CEL expressions (cel.dev/cel-go) over one
// applicant's Attrs. CEL is made for this: it is side-effect free, always
// terminates, is type-checked before it runs, and reports errors with a
// line and column. docs/eligibility.md lists the attributes with examples.

// Attrs is what a rule sees about one applicant: the person (for household
// programmes, the head), the household, the household's result in the
// call's scoring run, and the applicant's past participations.
type Attrs struct {
	Age        int    `json:"age"`
	Sex        string `json:"sex"`
	Relation   string `json:"relation"`
	Employed   bool   `json:"employed"`
	InSchool   bool   `json:"in_school"`
	Schooling  int    `json:"schooling"`
	Disability bool   `json:"disability"`
	Indigenous bool   `json:"indigenous"`

	Commune string `json:"commune"`
	Region  string `json:"region"`
	Zone    string `json:"zone"`
	Members int    `json:"members"`

	Scored     bool    `json:"scored"`
	Bracket    int     `json:"bracket"`
	Percentile float64 `json:"percentile"`
	Poorest5   bool    `json:"poorest5"`

	// Participations maps a programme line's code to the whole months since
	// the applicant's last participation in it ended (0 while it runs).
	Participations map[string]int64 `json:"participations"`
	// SSO: the household takes part in Seguridades y Oportunidades (a
	// running participation of one of its members in a line of SSOLines).
	SSO bool `json:"sso"`
}

// SSOLines are the programme lines whose participation makes a household a
// participant of the Subsistema Seguridades y Oportunidades (Ley 20.595):
// Programa Familias and its predecessor Puente (Chile Solidario), both
// 24-month accompaniments. fosis derives the attribute sso from enrolments
// in them (docs/eligibility.md).
var SSOLines = []string{"familias", "puente"}

// ssoOf reports whether a household's participations (line code → months
// since the last one ended, 0 while it runs) include a running one in a line
// of SSOLines.
func ssoOf(parts map[string]int64) bool {
	for _, l := range SSOLines {
		if m, ok := parts[l]; ok && m == 0 {
			return true
		}
	}
	return false
}

// Variables are the names rules may use, with their CEL types, in the order
// docs/eligibility.md describes them.
var Variables = []struct {
	Name string
	Type *cel.Type
}{
	{"age", cel.IntType}, {"sex", cel.StringType}, {"relation", cel.StringType},
	{"employed", cel.BoolType}, {"in_school", cel.BoolType}, {"schooling", cel.IntType},
	{"disability", cel.BoolType}, {"indigenous", cel.BoolType},
	{"commune", cel.StringType}, {"region", cel.StringType}, {"zone", cel.StringType}, {"members", cel.IntType},
	{"scored", cel.BoolType}, {"bracket", cel.IntType}, {"percentile", cel.DoubleType}, {"poorest5", cel.BoolType},
	{"participations", cel.MapType(cel.StringType, cel.IntType)},
	{"sso", cel.BoolType},
}

// value returns attribute name of a as a CEL value.
func (a *Attrs) value(name string) (ref.Val, bool) {
	switch name {
	case "age":
		return types.Int(a.Age), true
	case "sex":
		return types.String(a.Sex), true
	case "relation":
		return types.String(a.Relation), true
	case "employed":
		return types.Bool(a.Employed), true
	case "in_school":
		return types.Bool(a.InSchool), true
	case "schooling":
		return types.Int(a.Schooling), true
	case "disability":
		return types.Bool(a.Disability), true
	case "indigenous":
		return types.Bool(a.Indigenous), true
	case "commune":
		return types.String(a.Commune), true
	case "region":
		return types.String(a.Region), true
	case "zone":
		return types.String(a.Zone), true
	case "members":
		return types.Int(a.Members), true
	case "scored":
		return types.Bool(a.Scored), true
	case "bracket":
		return types.Int(a.Bracket), true
	case "percentile":
		return types.Double(a.Percentile), true
	case "poorest5":
		return types.Bool(a.Poorest5), true
	case "sso":
		return types.Bool(a.SSO), true
	case "participations":
		m := a.Participations
		if m == nil {
			m = map[string]int64{}
		}
		return types.DefaultTypeAdapter.NativeToValue(m), true
	}
	return nil, false
}

// display returns attribute name of a as a plain value for explanations.
func (a *Attrs) display(name string) any {
	v, ok := a.value(name)
	if !ok {
		return nil
	}
	if name == "participations" {
		if a.Participations == nil {
			return map[string]int64{}
		}
		return a.Participations
	}
	return v.Value()
}

// activation lets CEL read an Attrs without building a map per evaluation.
type activation struct{ a *Attrs }

func (x activation) ResolveName(name string) (any, bool) { return x.a.value(name) }
func (x activation) Parent() cel.Activation              { return nil }

var celEnv = func() *cel.Env {
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true)}
	for _, v := range Variables {
		opts = append(opts, cel.Variable(v.Name, v.Type))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		panic(err)
	}
	return env
}()

// Rule is one named eligibility condition. The applicant is eligible when
// every rule of the call's set is true.
type Rule struct {
	ID     string `json:"id"`
	NameES string `json:"name_es"`
	NameEN string `json:"name_en"`
	Expr   string `json:"expr"`
}

// Name returns the rule's name in lang ("es" or "en").
func (r Rule) Name(lang string) string {
	if lang == "en" {
		return r.NameEN
	}
	return r.NameES
}

// compiledRule is a checked rule ready to evaluate.
type compiledRule struct {
	Rule
	prg  cel.Program
	ast  *cel.Ast
	vars []string // the variables the rule reads, sorted
}

// RuleSet is a compiled, validated list of rules.
type RuleSet struct {
	rules []compiledRule
}

// Failure is one rule an applicant did not pass, with the values of the
// attributes the rule reads (what failed it).
type Failure struct {
	Rule   string         `json:"rule"`
	NameES string         `json:"name_es"`
	NameEN string         `json:"name_en"`
	Values map[string]any `json:"values"`
	Error  string         `json:"error,omitempty"`
}

// CompileRules checks every rule (an identifier, both names and an
// expression that type-checks to bool) and returns the set, or an invalid
// error whose fields point at each wrong rule (rules[i].expr) with the line
// and column of the mistake. field prefixes the field names.
func CompileRules(rules []Rule, field string) (*RuleSet, error) {
	rs := &RuleSet{}
	var bad []fosis.FieldError
	seen := map[string]bool{}
	for i, r := range rules {
		at := fmt.Sprintf("%s[%d]", field, i)
		if !validCode(r.ID) {
			bad = append(bad, problem(at+".id", "programs.err.rule_id", r.ID))
		} else if seen[r.ID] {
			bad = append(bad, problem(at+".id", "programs.err.rule_id_twice", r.ID))
		}
		seen[r.ID] = true
		if strings.TrimSpace(r.NameES) == "" || strings.TrimSpace(r.NameEN) == "" {
			bad = append(bad, problem(at+".name", "programs.err.rule_names"))
		}
		c, err := compileExpr(r.Expr)
		if err != nil {
			bad = append(bad, fosis.FieldError{Field: at + ".expr", Message: err.Message, Key: err.Key, Args: err.Args})
			continue
		}
		c.Rule = r
		rs.rules = append(rs.rules, *c)
	}
	if len(bad) == 1 {
		return nil, firstOf("programs.err.invalid_rule", bad)
	}
	if len(bad) > 1 {
		first := fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message}
		e := refuse(fosis.EINVALID, "programs.err.invalid_rule_more", bad[0].Field, first, len(bad)-1)
		e.Fields = bad
		return nil, e
	}
	return rs, nil
}

// compileExpr parses and checks one boolean expression.
func compileExpr(expr string) (*compiledRule, *fosis.Error) {
	if strings.TrimSpace(expr) == "" {
		return nil, refuse(fosis.EINVALID, "programs.err.expr_empty")
	}
	a, iss := celEnv.Compile(expr)
	if iss != nil && iss.Err() != nil {
		// The compiler's own words stay as CEL writes them; the pages
		// translate the sentence around the first (and how many more).
		var msgs []string
		for _, e := range iss.Errors() {
			msgs = append(msgs, fmt.Sprintf(english("programs.err.expr_cel"), e.Location.Line(), e.Location.Column()+1, e.Message))
		}
		first := iss.Errors()[0]
		e := refuse(fosis.EINVALID, "programs.err.expr_cel", first.Location.Line(), first.Location.Column()+1, first.Message)
		if len(msgs) > 1 {
			e.Key, e.Args = "programs.err.expr_cel_more", append(e.Args, len(msgs)-1)
		}
		e.Message = strings.Join(msgs, "; ")
		return nil, e
	}
	if !a.OutputType().IsExactType(cel.BoolType) {
		return nil, refuse(fosis.EINVALID, "programs.err.expr_not_bool", a.OutputType().String())
	}
	prg, err := celEnv.Program(a, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, refuse(fosis.EINVALID, "programs.err.expr_program", err.Error())
	}
	return &compiledRule{prg: prg, ast: a, vars: referenced(a)}, nil
}

// referenced returns the variables a checked expression reads.
func referenced(a *cel.Ast) []string {
	set := map[string]bool{}
	visit(a.NativeRep().Expr(), func(e ast.Expr) {
		if e.Kind() == ast.IdentKind {
			set[e.AsIdent()] = true
		}
	})
	var out []string
	for _, v := range Variables {
		if set[v.Name] {
			out = append(out, v.Name)
		}
	}
	return out
}

// visit calls fn on e and every expression below it.
func visit(e ast.Expr, fn func(ast.Expr)) {
	fn(e)
	switch e.Kind() {
	case ast.CallKind:
		c := e.AsCall()
		if c.IsMemberFunction() {
			visit(c.Target(), fn)
		}
		for _, a := range c.Args() {
			visit(a, fn)
		}
	case ast.SelectKind:
		visit(e.AsSelect().Operand(), fn)
	case ast.ListKind:
		for _, x := range e.AsList().Elements() {
			visit(x, fn)
		}
	case ast.MapKind:
		for _, x := range e.AsMap().Entries() {
			me := x.AsMapEntry()
			visit(me.Key(), fn)
			visit(me.Value(), fn)
		}
	case ast.StructKind:
		for _, x := range e.AsStruct().Fields() {
			visit(x.AsStructField().Value(), fn)
		}
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		for _, x := range []ast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()} {
			visit(x, fn)
		}
	}
}

// Rules returns the set's rules as written.
func (rs *RuleSet) Rules() []Rule {
	out := make([]Rule, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = r.Rule
	}
	return out
}

// Len returns the number of rules.
func (rs *RuleSet) Len() int { return len(rs.rules) }

// Digest returns the SHA-256 of the rules' canonical JSON: the "rule
// version" a frozen selection records.
func (rs *RuleSet) Digest() string {
	b, _ := json.Marshal(rs.Rules())
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Vars returns every variable any rule of the set reads.
func (rs *RuleSet) Vars() []string {
	var all []string
	for _, r := range rs.rules {
		all = append(all, r.vars...)
	}
	sort.Strings(all)
	return slices.Compact(all)
}

// Eval returns the rules a fails (none: eligible). A rule that cannot be
// evaluated (say, it reads a participation the applicant does not have
// without checking for it first) fails, with the error: eligibility fails
// closed.
func (rs *RuleSet) Eval(a *Attrs) []Failure {
	var out []Failure
	for i := range rs.rules {
		r := &rs.rules[i]
		ok, err := r.eval(a)
		if ok {
			continue
		}
		f := Failure{Rule: r.ID, NameES: r.NameES, NameEN: r.NameEN, Values: map[string]any{}}
		for _, v := range r.vars {
			f.Values[v] = a.display(v)
		}
		if err != nil {
			f.Error = err.Error()
		}
		out = append(out, f)
	}
	return out
}

// Eligible reports whether a passes every rule (Eval without the report).
func (rs *RuleSet) Eligible(a *Attrs) bool {
	for i := range rs.rules {
		if ok, _ := rs.rules[i].eval(a); !ok {
			return false
		}
	}
	return true
}

func (r *compiledRule) eval(a *Attrs) (bool, error) {
	out, _, err := r.prg.Eval(activation{a})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("the rule gave %v, not true or false", out)
	}
	return b, nil
}

// validCode reports whether s is a code: 1–40 of a-z, 0-9, - and _.
func validCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
