package apphttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// householdExport is a parsed export request: the listing's filters and the
// file's format and layout.
type householdExport struct {
	filter tuopin.HouseholdFilter
	format xlsx.Format
	layout xlsx.Layout
	ext    string
	ctype  string
	lang   string
}

// parseHouseholdExport reads format, layout and the list's filters (q,
// area, status, year) from a query. A missing year exports every year.
func parseHouseholdExport(q url.Values, lang string) (*householdExport, error) {
	e := &householdExport{lang: lang}
	switch q.Get("format") {
	case "", "xlsx":
		e.format, e.ext, e.ctype = xlsx.FormatXLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "csv":
		e.format, e.ext, e.ctype = xlsx.FormatCSV, "csv", "text/csv; charset=utf-8"
	case "csv-gbk":
		e.format, e.ext, e.ctype = xlsx.FormatCSVGBK, "csv", "text/csv; charset=GBK"
	default:
		return nil, errMalformed("format must be xlsx, csv or csv-gbk.")
	}
	switch q.Get("layout") {
	case "", "national":
		e.layout = xlsx.LayoutNational
	case "readable":
		e.layout = xlsx.LayoutReadable
	default:
		return nil, errMalformed("layout must be national or readable.")
	}
	f := &e.filter
	f.Query = strings.TrimSpace(q.Get("q"))
	if utf8.RuneCountInString(f.Query) > 50 {
		f.Query = string([]rune(f.Query)[:50])
	}
	if st := q.Get("status"); st != "" {
		f.Status = &st
	}
	if y := q.Get("year"); y != "" && y != "all" {
		n, err := strconv.Atoi(y)
		if err != nil {
			return nil, errMalformed("year must be a number or all.")
		}
		f.Year = &n
	}
	if a := q.Get("area"); a != "" {
		p, ok := tuopin.ParseAreaRef(a)
		if !ok {
			return nil, errMalformed("area must be an area code or a prefix of 2, 4, 6, 9 or 12 digits.")
		}
		f.AreaPrefix = p
	}
	return e, nil
}

// householdExport streams the households of the list's filters as a file.
func (s *Server) householdExport(w http.ResponseWriter, r *http.Request) {
	e, err := parseHouseholdExport(r.URL.Query(), state(r).lang)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.streamHouseholds(w, r, e, s.htmlError)
}

// apiHouseholdExport is householdExport for the API. Labels of the
// readable layout follow ?lang= (zh by default).
func (s *Server) apiHouseholdExport(w http.ResponseWriter, r *http.Request) {
	lang := normLang(r.URL.Query().Get("lang"))
	if lang == "" {
		lang = langZH
	}
	e, err := parseHouseholdExport(r.URL.Query(), lang)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.streamHouseholds(w, r, e, s.jsonError)
}

// streamHouseholds writes the export as the households are read. Headers
// go out with the first byte, so an error before it (a bad filter, an
// area out of scope) is answered by fail; one after it can only cut the
// download short, which the client sees as a broken transfer.
func (s *Server) streamHouseholds(w http.ResponseWriter, r *http.Request, e *householdExport, fail func(http.ResponseWriter, *http.Request, error)) {
	ctx := r.Context()
	codes, err := s.svc.Codes.FindCodeSet(ctx)
	if err != nil {
		fail(w, r, err)
		return
	}
	name, err := s.exportFileName(ctx, e)
	if err != nil {
		fail(w, r, err)
		return
	}
	lw := &lazyWriter{w: w, start: func() {
		h := w.Header()
		h.Set("Content-Type", e.ctype)
		h.Set("Content-Disposition", contentDisposition(name, e.ext))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
	}}
	enc, err := xlsx.NewHouseholdEncoder(lw, e.format, e.layout, codes)
	if err != nil {
		fail(w, r, err)
		return
	}
	enc.Lang = e.lang
	enc.AreaNames = s.exportAreaNames(ctx)
	err = s.svc.Households.EachHousehold(ctx, e.filter, enc.Encode)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		if !lw.started {
			fail(w, r, err)
			return
		}
		s.log.Error("household export", "req_id", requestID(ctx), "err", err)
		panic(http.ErrAbortHandler) // cut the transfer: no file that looks whole
	}
	if !lw.started {
		lw.start()
	}
}

// lazyWriter calls start before its first write. While the file flows it
// pushes the server's write deadline on, so that a large area is not cut
// at the WriteTimeout meant for pages; a stalled client still times out.
type lazyWriter struct {
	w        http.ResponseWriter
	start    func()
	started  bool
	extended time.Time
}

// exportWriteWindow is how long an export may go without writing.
const exportWriteWindow = 2 * time.Minute

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	if now := time.Now(); now.Sub(l.extended) > 10*time.Second {
		l.extended = now
		_ = http.NewResponseController(l.w).SetWriteDeadline(now.Add(exportWriteWindow))
	}
	return l.w.Write(p)
}

// contentDisposition names a download: an ASCII fallback for old clients
// and the UTF-8 name by RFC 5987.
func contentDisposition(name, ext string) string {
	return `attachment; filename="households.` + ext + `"; filename*=UTF-8''` + url.PathEscape(name+"."+ext)
}

// exportFileName names an export after its area (the filter's, else the
// user's scope), the registry and the year: 东兰县-贫困户名册-2016.
func (s *Server) exportFileName(ctx context.Context, e *householdExport) (string, error) {
	prefix := e.filter.AreaPrefix
	if prefix == "" {
		if u := tuopin.UserFromContext(ctx); u != nil {
			prefix = u.Scope
		}
	}
	area := translate(e.lang, "area.nation")
	if prefix != "" {
		path, err := s.svc.Areas.FindAreaPath(ctx, prefix)
		if err != nil {
			return "", err
		}
		if len(path) > 0 {
			area = path[len(path)-1].Name
		}
	}
	parts := []string{area, translate(e.lang, "export.registry")}
	if e.filter.Year != nil {
		parts = append(parts, strconv.Itoa(*e.filter.Year))
	}
	if e.layout == xlsx.LayoutReadable {
		parts = append(parts, translate(e.lang, "export.readable"))
	}
	return strings.Join(parts, "-"), nil
}

// exportAreaNames returns the area names of a household's code, from the
// province down to the village, looked up once per village (an export is
// ordered by area code, so lookups are few). A failed lookup leaves the
// names empty rather than failing the export.
func (s *Server) exportAreaNames(ctx context.Context) func(code string) xlsx.AreaNames {
	cache := make(map[string]xlsx.AreaNames)
	return func(code string) xlsx.AreaNames {
		code = code[:min(len(code), 12)]
		if n, ok := cache[code]; ok {
			return n
		}
		var n xlsx.AreaNames
		path, err := s.svc.Areas.FindAreaPath(ctx, code)
		if err == nil {
			var full []string
			for _, a := range path {
				switch a.Level {
				case tuopin.LevelProvince:
					n.Province = a.Name
				case tuopin.LevelCity:
					n.City = a.Name
				case tuopin.LevelCounty:
					n.County = a.Name
				case tuopin.LevelTownship:
					n.Township = a.Name
				case tuopin.LevelVillage:
					n.Village = a.Name
				}
				full = append(full, a.Name)
			}
			n.Full = strings.Join(full, "、")
		}
		if len(cache) > 10000 {
			clear(cache)
		}
		cache[code] = n
		return n
	}
}
