package xlsx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small streaming tokenizer for the XML of worksheets and
// shared strings, several times faster than encoding/xml and without an
// allocation per token. It knows just enough XML for SpreadsheetML: start,
// end and empty-element tags with attributes, character data with the
// predefined and numeric entities, CDATA sections, comments and
// processing instructions (skipped). Element names are reduced to their
// local part ("x:row" → "row"). It does not check that tags nest.
type xmlScanner struct {
	r *bufio.Reader
	// The current token.
	kind  tokKind
	name  []byte // local name of a start or end tag
	text  []byte // character data, entities decoded
	attrs []xmlAttr
	// selfClose is set while the end of an empty-element tag is pending.
	selfClose bool
	scratch   []byte // attribute names and values
	alt       []byte // the other text buffer, for decoding entities
}

type tokKind int

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
)

type xmlAttr struct {
	name, value []byte // local name; value with entities decoded
}

var errXML = errors.New("malformed XML")

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

// attr returns the value of an attribute of the current start tag.
func (s *xmlScanner) attr(name string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

// next reads the next token; io.EOF at the end.
func (s *xmlScanner) next() error {
	if s.selfClose {
		s.selfClose = false
		s.kind = tokEnd
		return nil
	}
	c, err := s.r.ReadByte()
	if err != nil {
		return err
	}
	if c != '<' {
		s.r.UnreadByte()
		return s.readText()
	}
	c, err = s.r.ReadByte()
	if err != nil {
		return errXML
	}
	switch c {
	case '?':
		if err := s.skipPast("?>"); err != nil {
			return err
		}
		return s.next()
	case '!':
		return s.bang()
	case '/':
		s.kind = tokEnd
		if err := s.readName(); err != nil {
			return err
		}
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return errXML
			}
			if c == '>' {
				return nil
			}
		}
	}
	s.r.UnreadByte()
	s.kind = tokStart
	if err := s.readName(); err != nil {
		return err
	}
	return s.readAttrs()
}

// readText reads character data up to the next '<'.
func (s *xmlScanner) readText() error {
	s.kind = tokText
	s.text = s.text[:0]
	for {
		chunk, err := s.r.ReadSlice('<')
		if err == nil {
			s.text = append(s.text, chunk[:len(chunk)-1]...)
			s.r.UnreadByte()
			break
		}
		s.text = append(s.text, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		return err
	}
	if bytes.IndexByte(s.text, '&') >= 0 {
		decoded := unescapeXML(s.text, s.alt[:0])
		s.alt, s.text = s.text, decoded
	}
	return nil
}

// bang handles "<!": comments, CDATA and declarations.
func (s *xmlScanner) bang() error {
	p, err := s.r.Peek(2)
	if err == nil && string(p) == "--" {
		return s.skipPastThenNext("-->")
	}
	p, err = s.r.Peek(7)
	if err == nil && string(p) == "[CDATA[" {
		s.r.Discard(7)
		s.kind = tokText
		s.text = s.text[:0]
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return errXML
			}
			s.text = append(s.text, c)
			if bytes.HasSuffix(s.text, []byte("]]>")) {
				s.text = s.text[:len(s.text)-3]
				return nil
			}
		}
	}
	return s.skipPastThenNext(">")
}

func (s *xmlScanner) skipPastThenNext(end string) error {
	if err := s.skipPast(end); err != nil {
		return err
	}
	return s.next()
}

// skipPast discards input up to and including end.
func (s *xmlScanner) skipPast(end string) error {
	matched := 0
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return errXML
		}
		switch {
		case c == end[matched]:
			matched++
			if matched == len(end) {
				return nil
			}
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
}

func isNameByte(c byte) bool {
	return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '>' && c != '/' && c != '='
}

// readName reads a tag name and keeps its local part.
func (s *xmlScanner) readName() error {
	s.name = s.name[:0]
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return errXML
		}
		if !isNameByte(c) {
			s.r.UnreadByte()
			break
		}
		if c == ':' {
			s.name = s.name[:0]
			continue
		}
		if len(s.name) < 256 {
			s.name = append(s.name, c)
		}
	}
	if len(s.name) == 0 {
		return errXML
	}
	return nil
}

func (s *xmlScanner) skipSpace() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, errXML
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// readAttrs reads the attributes of a start tag up to its '>' or '/>'.
// Attribute values share one buffer; only the first 16 are kept.
func (s *xmlScanner) readAttrs() error {
	s.attrs = s.attrs[:0]
	s.scratch = s.scratch[:0]
	var spans [16]attrSpan
	n := 0
	for {
		c, err := s.skipSpace()
		if err != nil {
			return err
		}
		switch c {
		case '>':
			s.finishAttrs(spans[:n])
			return nil
		case '/':
			if c, err := s.r.ReadByte(); err != nil || c != '>' {
				return errXML
			}
			s.selfClose = true
			s.finishAttrs(spans[:n])
			return nil
		}
		// name
		n0 := len(s.scratch)
		for isNameByte(c) {
			if c == ':' {
				s.scratch = s.scratch[:n0]
			} else {
				s.scratch = append(s.scratch, c)
			}
			if c, err = s.r.ReadByte(); err != nil {
				return errXML
			}
		}
		n1 := len(s.scratch)
		if c != '=' {
			if c, err = s.skipSpace(); err != nil || c != '=' {
				return errXML
			}
		}
		q, err := s.skipSpace()
		if err != nil || q != '"' && q != '\'' {
			return errXML
		}
		v0 := len(s.scratch)
		amp := false
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return errXML
			}
			if c == q {
				break
			}
			if c == '&' {
				amp = true
			}
			s.scratch = append(s.scratch, c)
		}
		if amp {
			val := unescapeXML(append([]byte(nil), s.scratch[v0:]...), nil)
			s.scratch = append(s.scratch[:v0], val...)
		}
		if n < len(spans) {
			spans[n] = attrSpan{n0, n1, v0, len(s.scratch)}
			n++
		}
	}
}

// attrSpan locates an attribute's name and value in the scratch buffer.
type attrSpan struct{ n0, n1, v0, v1 int }

func (s *xmlScanner) finishAttrs(spans []attrSpan) {
	for _, sp := range spans {
		s.attrs = append(s.attrs, xmlAttr{name: s.scratch[sp.n0:sp.n1], value: s.scratch[sp.v0:sp.v1]})
	}
}

// unescapeXML decodes the predefined and numeric entities of b into dst;
// an unknown or malformed entity is kept as written.
func unescapeXML(b, dst []byte) []byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		j := bytes.IndexByte(b, ';')
		if j < 0 || j > 12 {
			dst = append(dst, '&')
			b = b[1:]
			continue
		}
		ent := string(b[1:j])
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error = errXML
			if len(ent) > 1 && ent[0] == '#' {
				if ent[1] == 'x' || ent[1] == 'X' {
					n, err = strconv.ParseUint(ent[2:], 16, 32)
				} else {
					n, err = strconv.ParseUint(ent[1:], 10, 32)
				}
			}
			if err != nil || n > utf8.MaxRune {
				dst = append(dst, b[:j+1]...)
			} else {
				dst = utf8.AppendRune(dst, rune(n))
			}
		}
		b = b[j+1:]
	}
	return dst
}

// xmlError wraps a scanner error for the user.
func xmlError(part string, row int, err error) error {
	return fmt.Errorf("%w: unreadable %s XML near row %d: %v", ErrFormat, part, row, err)
}
