package vaulttest

import (
	"errors"
	"fmt"
	"strings"
)

// tokenQuery is the part of VQL the fake runs: a query on api_access_token__sys that
// selects some of its fields and keeps the records whose fields equal the given values.
//
//	SELECT id, name__v FROM api_access_token__sys WHERE user__sys = '12345' AND name__v = 'a\'b'
//
// Anything else is refused as Vault refuses what it cannot parse, so a client whose query
// drifts from this shape finds out in its tests.
type tokenQuery struct {
	fields []string
	where  map[string]string // field -> value; every condition must hold
}

// tokenFields are the fields Vault documents for api_access_token__sys.
var tokenFields = []string{"id", "name__v", "user__sys", "status__v", "expiry_date__sys", "last_used_date__sys"}

// filterFields are the fields a condition may test.
var filterFields = []string{"id", "name__v", "user__sys", "status__v"}

func parseTokenQuery(q string) (tokenQuery, error) {
	toks, err := lexVQL(q)
	if err != nil {
		return tokenQuery{}, err
	}
	p := &vqlParser{toks: toks}
	query := tokenQuery{where: map[string]string{}}
	if err := p.keyword("SELECT"); err != nil {
		return query, err
	}
	for {
		f, err := p.field(tokenFields)
		if err != nil {
			return query, err
		}
		query.fields = append(query.fields, f)
		if !p.accept(",") {
			break
		}
	}
	if err := p.keyword("FROM"); err != nil {
		return query, err
	}
	if t := p.next(); t.kind != identToken || t.text != "api_access_token__sys" {
		return query, fmt.Errorf("the fake queries api_access_token__sys only, not %q", t.text)
	}
	if p.done() {
		return query, nil
	}
	if err := p.keyword("WHERE"); err != nil {
		return query, err
	}
	for {
		f, err := p.field(filterFields)
		if err != nil {
			return query, err
		}
		if !p.accept("=") {
			return query, fmt.Errorf("expected = after %s", f)
		}
		v := p.next()
		if v.kind != stringToken {
			return query, fmt.Errorf("expected a quoted value after %s =", f)
		}
		if _, dup := query.where[f]; dup {
			return query, fmt.Errorf("%s is tested twice", f)
		}
		query.where[f] = v.text
		if p.done() {
			return query, nil
		}
		if err := p.keyword("AND"); err != nil {
			return query, err
		}
	}
}

type tokenKind int

const (
	identToken tokenKind = iota + 1
	stringToken
	punctToken
)

type vqlToken struct {
	kind tokenKind
	text string // an identifier, a string's value (unescaped) or a punctuation mark
}

// lexVQL splits a query into identifiers, quoted strings and the marks , and =. In a string,
// \\ \' \" \% \* \n \t \r and ” are escapes; a backslash before anything else is an error.
func lexVQL(q string) ([]vqlToken, error) {
	var toks []vqlToken
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == ',' || c == '=':
			toks = append(toks, vqlToken{punctToken, string(c)})
			i++
		case c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(q) && (q[j] == '_' || q[j] >= '0' && q[j] <= '9' || q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z') {
				j++
			}
			toks = append(toks, vqlToken{identToken, q[i:j]})
			i = j
		case c == '\'':
			s, n, err := lexString(q[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, vqlToken{stringToken, s})
			i += n
		default:
			return nil, fmt.Errorf("unexpected %q", string(c))
		}
	}
	return toks, nil
}

var vqlEscapes = map[byte]byte{'\\': '\\', '\'': '\'', '"': '"', '%': '%', '*': '*', 'n': '\n', 't': '\t', 'r': '\r'}

// lexString reads a quoted string at the start of q and returns its value and length.
func lexString(q string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		switch q[i] {
		case '\\':
			if i+1 == len(q) {
				return "", 0, errors.New("a backslash ends the query")
			}
			e, ok := vqlEscapes[q[i+1]]
			if !ok {
				return "", 0, fmt.Errorf("a backslash before %q is not an escape", string(q[i+1]))
			}
			b.WriteByte(e)
			i++
		case '\'':
			if i+1 < len(q) && q[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, nil
		default:
			b.WriteByte(q[i])
		}
	}
	return "", 0, errors.New("a quoted value is not closed")
}

type vqlParser struct {
	toks []vqlToken
	pos  int
}

func (p *vqlParser) done() bool { return p.pos == len(p.toks) }

func (p *vqlParser) next() vqlToken {
	if p.done() {
		return vqlToken{}
	}
	p.pos++
	return p.toks[p.pos-1]
}

func (p *vqlParser) accept(punct string) bool {
	if !p.done() && p.toks[p.pos].kind == punctToken && p.toks[p.pos].text == punct {
		p.pos++
		return true
	}
	return false
}

// keyword reads a keyword, in any case, as VQL allows.
func (p *vqlParser) keyword(k string) error {
	if t := p.next(); t.kind != identToken || !strings.EqualFold(t.text, k) {
		return fmt.Errorf("expected %s, found %q", k, t.text)
	}
	return nil
}

// field reads a field name, which VQL matches in lower case only.
func (p *vqlParser) field(allowed []string) (string, error) {
	t := p.next()
	for _, f := range allowed {
		if t.kind == identToken && t.text == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("%q is not a field the fake can use here (it knows %s)", t.text, strings.Join(allowed, ", "))
}
