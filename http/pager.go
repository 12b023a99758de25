package apphttp

import (
	"net/url"
	"strconv"
)

// pager describes one page of a list for the "pager" partial:
// "第 51–100 条，共 1,234 条" and the links around the current page.
type pager struct {
	Page, Size, Total, Pages int
	From, To                 int // 1-based positions shown; 0 when empty
	PrevURL, NextURL         string
	Links                    []pageLink
}

type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool // an ellipsis instead of a link
}

// pageFromQuery reads the 1-based ?page= of a list; anything unreadable
// is page 1.
func pageFromQuery(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// newPager builds the pager of a list at path whose query is q (the page
// parameter is replaced in each link).
func newPager(path string, q url.Values, page, size, total int) *pager {
	p := &pager{Page: page, Size: size, Total: total}
	p.Pages = (total + size - 1) / size
	if total > 0 {
		p.From = (page-1)*size + 1
		p.To = min(page*size, total)
		if p.From > total {
			p.From, p.To = 0, 0
		}
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			if k != "page" && k != "lang" {
				v[k] = vals
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	// First, last, and two either side of the current page.
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n == 1 || n == p.Pages || (n >= page-2 && n <= page+2) {
			if last != 0 && n > last+1 {
				p.Links = append(p.Links, pageLink{Gap: true})
			}
			p.Links = append(p.Links, pageLink{N: n, URL: link(n), Current: n == page})
			last = n
		}
	}
	return p
}
