package apphttp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tuopin/tuopin/web"
)

// assets are the embedded static files, each served under a URL holding a
// hash of its content (/static/<hash>/app.css) so that it can be cached
// for a year and a new release is fetched at once.
type assets struct {
	files map[string]*asset // by path under static/, e.g. "app.css"
}

type asset struct {
	data  []byte
	hash  string
	ctype string
}

// bootTime is the Last-Modified of every embedded file.
var bootTime = time.Now()

func loadAssets() (*assets, error) {
	a := &assets{files: make(map[string]*asset)}
	err := fs.WalkDir(web.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".yaml":
			ctype = "application/yaml; charset=utf-8"
		case ".md", ".LICENSE", "":
			ctype = "text/plain; charset=utf-8"
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[strings.TrimPrefix(p, "static/")] = &asset{data: data, hash: hex.EncodeToString(sum[:])[:12], ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, need := range []string{"app.css", "app.js", "vendor/htmx.min.js", "openapi.yaml"} {
		if a.files[need] == nil {
			return nil, fmt.Errorf("static/%s is missing", need)
		}
	}
	return a, nil
}

// URL returns the hashed URL of an asset. It panics on an unknown name,
// which can only happen while parsing templates at boot.
func (a *assets) URL(name string) string {
	f := a.files[name]
	if f == nil {
		panic(fmt.Sprintf("apphttp: unknown asset %q", name))
	}
	return "/static/" + f.hash + "/" + name
}

// serve answers /static/{hash}/{path...}. The current hash gets a year of
// caching; an old hash (a page from before a deploy) still gets the
// current file, but uncached.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f := a.files[r.PathValue("path")]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	if r.PathValue("hash") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("Content-Type", f.ctype)
	http.ServeContent(w, r, "", bootTime, bytes.NewReader(f.data))
}

// serveOpenAPI answers /api/openapi.yaml, the hand-written API description.
func (a *assets) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	f := a.files["openapi.yaml"]
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", bootTime, bytes.NewReader(f.data))
}
