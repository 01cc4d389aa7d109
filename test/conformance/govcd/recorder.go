package main

// A RoundTripper around govcd's own transport that keeps the last HTTP exchanges, so that a failed
// assertion can print what the client sent and what the server answered. govcd itself is unmodified:
// VCDClient.Client.Http is an exported http.Client and we only wrap its Transport.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
)

const (
	keptExchanges = 8
	maxBodyShown  = 2500
)

type exchange struct {
	step     string
	method   string
	url      string
	reqHead  http.Header
	reqBody  string
	status   string
	respHead http.Header
	respBody string
	err      error
}

type recorder struct {
	mu      sync.Mutex
	step    string
	entries []exchange
}

func (r *recorder) setStep(step string) {
	r.mu.Lock()
	r.step = step
	r.mu.Unlock()
}

func (r *recorder) currentStep() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.step
}

func (r *recorder) add(e exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.step = r.step
	r.entries = append(r.entries, e)
	if len(r.entries) > keptExchanges {
		r.entries = r.entries[len(r.entries)-keptExchanges:]
	}
}

// dump renders the kept exchanges of the given step (all kept ones when step is empty).
func (r *recorder) dump(step string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	n := 0
	for _, e := range r.entries {
		if step != "" && e.step != step {
			continue
		}
		n++
		fmt.Fprintf(&b, "  --- HTTP exchange %d (step %q)\n", n, e.step)
		fmt.Fprintf(&b, "  > %s %s\n", e.method, e.url)
		writeHeaders(&b, "  > ", e.reqHead)
		if e.reqBody != "" {
			fmt.Fprintf(&b, "  >\n%s\n", indent(redactBody(e.reqBody), "  > "))
		}
		if e.err != nil {
			fmt.Fprintf(&b, "  < transport error: %v\n", e.err)
			continue
		}
		fmt.Fprintf(&b, "  < %s\n", e.status)
		writeHeaders(&b, "  < ", e.respHead)
		if e.respBody != "" {
			fmt.Fprintf(&b, "  <\n%s\n", indent(redactBody(e.respBody), "  < "))
		}
	}
	if n == 0 {
		return "  (no HTTP exchange recorded for this step)\n"
	}
	return b.String()
}

type recordingTransport struct {
	inner http.RoundTripper
	rec   *recorder
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	e := exchange{method: req.Method, url: req.URL.String(), reqHead: req.Header.Clone()}
	if req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(body, maxBodyShown))
			_ = body.Close()
			e.reqBody = string(raw)
		}
	}
	resp, err := t.inner.RoundTrip(req)
	if err != nil {
		e.err = err
		t.rec.add(e)
		return nil, err
	}
	raw, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	e.status = resp.Status
	e.respHead = resp.Header.Clone()
	e.respBody = truncate(string(raw), maxBodyShown)
	if readErr != nil {
		e.respBody += fmt.Sprintf("\n[error reading body: %v]", readErr)
	}
	t.rec.add(e)
	return resp, readErr
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, redactHeader(k, v))
		}
	}
}

// Secrets in the dump are shortened: enough to tell tokens apart, not enough to reuse one.
func redactHeader(name, value string) string {
	switch strings.ToLower(name) {
	case "authorization", "x-vmware-vcloud-access-token", "x-vcloud-authorization", "cookie", "set-cookie":
		return shorten(value)
	}
	return value
}

func shorten(v string) string {
	if len(v) <= 24 {
		return v
	}
	return v[:20] + "…(" + fmt.Sprint(len(v)) + " chars)"
}

func redactBody(body string) string {
	for _, key := range []string{"refresh_token=", "assertion=", "\"refresh_token\":\"", "\"access_token\":\""} {
		out := ""
		rest := body
		for {
			i := strings.Index(rest, key)
			if i < 0 {
				out += rest
				break
			}
			out += rest[:i+len(key)]
			rest = rest[i+len(key):]
			end := strings.IndexAny(rest, "&\"")
			if end < 0 {
				end = len(rest)
			}
			out += shorten(rest[:end])
			rest = rest[end:]
		}
		body = out
	}
	return body
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…[%d more bytes]", len(s)-n)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
