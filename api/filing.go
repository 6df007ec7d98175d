package api

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
)

// The bodies of filings (objections and repair applications) carry files.
// A caller who has not proven who they are gets no more than keylessBody;
// the files of one who has may take evidenceBody. Limits are checked
// before work: a declared length over the limit is refused before the body
// is read, and a body is decoded as it arrives, each file from base64 into
// at most one byte more than a file may have, so that memory never holds
// more than the limits allow however large the body.
const (
	// keylessBody bounds the body of a filing by a caller not proven, and
	// all but the files of any filing.
	keylessBody = 256 << 10
	// maxEvidence bounds the decoded bytes of all files of one filing by a
	// proven caller.
	maxEvidence = lifecycle.MaxFilingBytes
	// evidenceBody bounds the body of a filing by a proven caller: its
	// files in base64 and the rest.
	evidenceBody = maxEvidence/3*4 + keylessBody
)

// filingLimits bound what is read of a filing's body.
type filingLimits struct {
	// body bounds the body; files the decoded bytes of all files together;
	// file those of one file, beyond which its bytes are counted but not
	// kept (lifecycle.DefaultMaxSize: the service refuses it as too large).
	body, files, file int64
}

var (
	keylessFiling  = filingLimits{body: keylessBody, files: keylessBody, file: lifecycle.DefaultMaxSize}
	evidenceFiling = filingLimits{body: evidenceBody, files: maxEvidence, file: lifecycle.DefaultMaxSize}
)

// filingLimitsOf returns the limits of r's filing: those of evidence when
// its caller has proven who they are, else the keyless ones.
func filingLimitsOf(r *http.Request) filingLimits {
	if idtoken.From(r.Context()) != nil {
		return evidenceFiling
	}
	return keylessFiling
}

// declaredTooLarge answers 413 and returns true when r declares a body
// longer than limit, before any of it is read. The connection is closed
// after the answer, so the rest is never read either.
func declaredTooLarge(w http.ResponseWriter, r *http.Request, limit int64) bool {
	if r.ContentLength <= limit {
		return false
	}
	w.Header().Set("Connection", "close")
	apierr.Write(w, errTooLarge)
	return true
}

// decodeFiling decodes the JSON body of r, a filing of at most l, into f.
// Lists names the lists of files of f by their JSON names: their content
// is decoded from base64 as it arrives; every other value is decoded with
// encoding/json, unknown fields refused, once the body is read. When it
// cannot decode, it answers (a file's content that is not base64 with
// invalid and the problem) and returns false.
func decodeFiling[F any](w http.ResponseWriter, r *http.Request, l filingLimits, f *F, lists map[string]*[]casework.Upload, invalid *apierr.Error) bool {
	if declaredTooLarge(w, r, l.body) {
		return false
	}
	d := &filingDecoder{r: bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, l.body), 32<<10), limits: l, lists: lists}
	err := d.decode()
	if err == nil {
		err = decodeJSON(json.NewDecoder(bytes.NewReader(d.rest)), f)
	}
	switch {
	case err == nil && len(d.problems) > 0:
		apierr.JSON(w, http.StatusBadRequest, problems(invalid, d.problems))
	case err == nil:
		return true
	case errors.Is(err, errFilingTooLarge):
		apierr.Write(w, errTooLarge)
	case errors.Is(err, errEmptyBody):
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object; it is empty"))
	default:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object of the documented fields: "+err.Error()))
	}
	return false
}

// Errors of a filing's body: over its limits, or empty.
var (
	errFilingTooLarge = errors.New("filing too large")
	errEmptyBody      = errors.New("empty body")
)

// filingDecoder reads a filing's body: a JSON object whose lists of files
// it decodes, keeping every other member, in JSON, for encoding/json.
type filingDecoder struct {
	r      *bufio.Reader
	limits filingLimits
	lists  map[string]*[]casework.Upload
	// rest is the body without its lists of files: a JSON object.
	rest []byte
	// other counts the bytes of the values of files but their content:
	// with rest, they take no more than keylessBody.
	other int
	// files counts the decoded bytes of every file so far.
	files int64
	// problems are those of files whose content is not base64.
	problems lifecycle.FieldErrors
	chunk    []byte
}

func (d *filingDecoder) decode() error {
	c, err := d.next()
	switch {
	case errors.Is(err, io.EOF):
		return errEmptyBody
	case err != nil:
		return d.unexpected(err)
	case c != '{':
		return errors.New("the body is not a JSON object")
	}
	d.rest = append(d.rest, '{')
	err = d.members(func(key string, raw []byte) error {
		for name, list := range d.lists {
			if strings.EqualFold(key, name) {
				files, err := d.list(name)
				*list = files
				return err
			}
		}
		if len(d.rest) > 1 {
			d.rest = append(d.rest, ',')
		}
		d.rest = append(append(d.rest, raw...), ':')
		var err error
		d.rest, err = d.value(d.rest)
		return err
	})
	d.rest = append(d.rest, '}')
	return err
}

// members reads the members of an object whose '{' is read, up to its '}',
// calling member with each name, as a string and in JSON, once its ':' is
// read, to read the value.
func (d *filingDecoder) members(member func(key string, raw []byte) error) error {
	c, err := d.next()
	if err != nil {
		return d.unexpected(err)
	}
	if c == '}' {
		return nil
	}
	for {
		if c != '"' {
			return errors.New("an object's member does not start with its name in quotes")
		}
		key, raw, err := d.key()
		if err != nil {
			return err
		}
		if c, err = d.next(); err != nil {
			return d.unexpected(err)
		}
		if c != ':' {
			return fmt.Errorf("the name %s is not followed by a colon", raw)
		}
		if err := member(key, raw); err != nil {
			return err
		}
		if c, err = d.next(); err != nil {
			return d.unexpected(err)
		}
		switch c {
		case '}':
			return nil
		case ',':
			if c, err = d.next(); err != nil {
				return d.unexpected(err)
			}
		default:
			return errors.New("an object's members are not separated by commas")
		}
	}
}

// maxKey bounds the name of a member.
const maxKey = 256

// key reads a member's name, whose '"' is read.
func (d *filingDecoder) key() (string, []byte, error) {
	raw, err := d.string([]byte{'"'}, maxKey)
	if errors.Is(err, errFilingTooLarge) {
		return "", nil, errors.New("a member's name is longer than any field's")
	}
	if err != nil {
		return "", nil, err
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", nil, errors.New("a member's name is not a JSON string")
	}
	return key, raw, nil
}

// list reads a list of files, the value of the member list.
func (d *filingDecoder) list(list string) ([]casework.Upload, error) {
	c, err := d.next()
	if err != nil {
		return nil, d.unexpected(err)
	}
	switch c {
	case 'n':
		return nil, d.literal("ull")
	case '[':
	default:
		return nil, fmt.Errorf("%s is not a list of files", list)
	}
	files := []casework.Upload{}
	if c, err = d.next(); err != nil {
		return nil, d.unexpected(err)
	}
	if c == ']' {
		return files, nil
	}
	for {
		if c != '{' {
			return nil, fmt.Errorf("%s/%d is not a file: an object with name, media_type and content_base64", list, len(files))
		}
		f, err := d.file(fmt.Sprintf("/%s/%d", list, len(files)))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		if c, err = d.next(); err != nil {
			return nil, d.unexpected(err)
		}
		switch c {
		case ']':
			return files, nil
		case ',':
			if c, err = d.next(); err != nil {
				return nil, d.unexpected(err)
			}
		default:
			return nil, fmt.Errorf("the files of %s are not separated by commas", list)
		}
	}
}

// file reads a file, an object whose '{' is read, at pointer at.
func (d *filingDecoder) file(at string) (casework.Upload, error) {
	var f casework.Upload
	err := d.members(func(key string, _ []byte) error {
		// Names match as encoding/json matches them, whatever their case.
		var s *string
		switch {
		case strings.EqualFold(key, "content_base64"):
			return d.content(at+"/content_base64", &f.Content)
		case strings.EqualFold(key, "name"):
			s = &f.Name
		case strings.EqualFold(key, "media_type"):
			s = &f.MediaType
		default:
			return fmt.Errorf("json: unknown field %q in %s", key, at)
		}
		raw, err := d.value(nil)
		if d.other += len(raw); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, s); err != nil {
			return fmt.Errorf("%s/%s is not a string", at, key)
		}
		return nil
	})
	return f, err
}

// content reads the content of a file, at pointer at, into content: a JSON
// string of base64 decoded as it arrives, or null.
func (d *filingDecoder) content(at string, content *[]byte) error {
	c, err := d.next()
	if err != nil {
		return d.unexpected(err)
	}
	switch c {
	case 'n':
		return d.literal("ull")
	case '"':
	default:
		return fmt.Errorf("%s is not a string", at)
	}
	s := &stringReader{r: d.r}
	dec := base64.NewDecoder(base64.StdEncoding, s)
	if d.chunk == nil {
		d.chunk = make([]byte, 32<<10)
	}
	*content = []byte{}
	for {
		n, err := dec.Read(d.chunk)
		if d.files += int64(n); d.files > d.limits.files {
			return errFilingTooLarge
		}
		if keep := min(int64(n), d.limits.file+1-int64(len(*content))); keep > 0 {
			*content = append(*content, d.chunk[:keep]...)
		}
		switch {
		case s.err != nil:
			return d.unexpected(s.err)
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			// Not base64: the rest of the string is read, not decoded.
			d.problems = append(d.problems, lifecycle.FieldError{Code: casework.CodeInvalidBase64, Pointer: at,
				Message: "content_base64 is not standard base64 (RFC 4648, with padding)"})
			if _, err := io.Copy(io.Discard, s); err != nil {
				return d.unexpected(err)
			}
			return nil
		}
	}
}

// value appends a JSON value to buf: its bytes as they are, for
// encoding/json to decode. Values but files take no more than keylessBody
// in all.
func (d *filingDecoder) value(buf []byte) ([]byte, error) {
	c, err := d.next()
	if err != nil {
		return buf, d.unexpected(err)
	}
	budget := keylessBody - len(d.rest) - d.other
	start := len(buf)
	switch c {
	case '"':
		return d.string(append(buf, c), budget)
	case '{', '[':
		buf = append(buf, c)
		for depth := 1; depth > 0; {
			if c, err = d.r.ReadByte(); err != nil {
				return buf, d.unexpected(err)
			}
			switch c {
			case '"':
				if buf, err = d.string(append(buf, c), budget-(len(buf)-start)); err != nil {
					return buf, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			if buf = append(buf, c); len(buf)-start > budget {
				return buf, errFilingTooLarge
			}
		}
		return buf, nil
	}
	// A number, true, false or null: up to the delimiter that follows.
	buf = append(buf, c)
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			return buf, d.unexpected(err)
		}
		switch c {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return buf, d.r.UnreadByte()
		}
		if buf = append(buf, c); len(buf)-start > budget {
			return buf, errFilingTooLarge
		}
	}
}

// string appends to buf the rest of a JSON string whose '"' is read and
// appended, as it is, up to its closing '"'. The string is refused as too
// large beyond limit bytes.
func (d *filingDecoder) string(buf []byte, limit int) ([]byte, error) {
	start := len(buf) - 1
	for escaped := false; ; {
		c, err := d.r.ReadByte()
		if err != nil {
			return buf, d.unexpected(err)
		}
		if buf = append(buf, c); len(buf)-start > limit {
			return buf, errFilingTooLarge
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			return buf, nil
		}
	}
}

// literal reads the rest of a literal, such as "ull" of null.
func (d *filingDecoder) literal(rest string) error {
	for i := range len(rest) {
		c, err := d.r.ReadByte()
		if err != nil {
			return d.unexpected(err)
		}
		if c != rest[i] {
			return errors.New("a value is not JSON")
		}
	}
	return nil
}

// next returns the next byte that is not white space.
func (d *filingDecoder) next() (byte, error) {
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, nil
	}
}

// unexpected is the error of a body that could not be read on: too large,
// ended, or broken off.
func (d *filingDecoder) unexpected(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errFilingTooLarge
	}
	if errors.Is(err, io.EOF) {
		return errors.New("the body ends before its JSON does")
	}
	return err
}

// stringReader reads a JSON string whose '"' is read, unescaped, up to its
// closing '"', where it ends with io.EOF. Err is the error of the body
// beneath, if any.
type stringReader struct {
	r    *bufio.Reader
	done bool
	err  error
}

func (s *stringReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := 0
	for n < len(p) && !s.done {
		c, err := s.r.ReadByte()
		if err != nil {
			s.err = err
			return n, err
		}
		switch {
		case c == '"':
			s.done = true
		case c == '\\':
			if c, err = s.unescape(); err != nil {
				s.err = err
				return n, err
			}
			p[n] = c
			n++
		case c < 0x20:
			s.err = errors.New("a string holds a control character")
			return n, s.err
		default:
			p[n] = c
			n++
		}
	}
	if n == 0 && s.done {
		return 0, io.EOF
	}
	return n, nil
}

// unescape returns the byte an escape sequence, whose '\' is read, stands
// for in a file's base64; what is not ASCII, and a line break (which a
// base64 decoder would skip, but unbroken base64 is what is asked for),
// stand for 0xff, which is not base64.
func (s *stringReader) unescape() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, err
	}
	switch c {
	case '"', '\\', '/':
		return c, nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n', 'r':
		return 0xff, nil
	case 't':
		return '\t', nil
	case 'u':
		var hex [4]byte
		if _, err := io.ReadFull(s.r, hex[:]); err != nil {
			return 0, err
		}
		r, err := strconv.ParseUint(string(hex[:]), 16, 16)
		switch {
		case err != nil:
			return 0, errors.New(`a string holds a \u escape that is not hexadecimal`)
		case r == '\n' || r == '\r':
			return 0xff, nil
		case r < 0x80:
			return byte(r), nil
		}
		return 0xff, nil
	}
	return 0, fmt.Errorf(`a string holds an unknown escape \%c`, c)
}
