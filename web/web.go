// Package web holds the embedded user interface files: the html/template
// views under templates/ (a base layout, partials and one file per page)
// and the static assets under static/ (stylesheet, script, vendored htmx,
// the OpenAPI document). The http package parses and serves them; nothing
// here is read from disk at run time.
package web

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS
