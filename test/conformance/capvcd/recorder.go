package main

// The SDK builds its own go-vcloud-director client, so the recorder is attached right after construction
// (VCDClient.Client.Http is an exported http.Client; only its Transport is wrapped, the SDK is unmodified).
// It keeps the last HTTP exchanges for the failure message, with bearer tokens and API tokens redacted.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

const (
	keptExchanges = 6
	maxBodyShown  = 1500
)

type recorder struct {
	mu      sync.Mutex
	step    string
	entries []string
}

func (r *recorder) setStep(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.step = step
}

func (r *recorder) currentStep() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.step
}

func (r *recorder) add(entry string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, fmt.Sprintf("[%s] %s", r.step, entry))
	if len(r.entries) > keptExchanges {
		r.entries = r.entries[len(r.entries)-keptExchanges:]
	}
}

func (r *recorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) == 0 {
		return "  (none recorded: the failure came before the SDK's client existed or without HTTP)\n"
	}
	return "  " + strings.Join(r.entries, "\n  ") + "\n"
}

type recordingTransport struct {
	inner http.RoundTripper
	rec   *recorder
}

// attach wraps a client's transport once (RefreshBearerToken keeps the client, so it stays wrapped).
func (r *recorder) attach(c *http.Client) {
	if _, done := c.Transport.(*recordingTransport); done {
		return
	}
	inner := c.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	c.Transport = &recordingTransport{inner: inner, rec: r}
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	line := req.Method + " " + req.URL.String()
	resp, err := t.inner.RoundTrip(req)
	if err != nil {
		t.rec.add(fmt.Sprintf("%s -> error %v", line, err))
		return nil, err
	}
	raw, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	body := secretLike.ReplaceAllString(string(raw), "[redacted]")
	if len(body) > maxBodyShown {
		body = body[:maxBodyShown] + "…"
	}
	t.rec.add(fmt.Sprintf("%s -> %s %s\n    %s", line, resp.Status, resp.Header.Get("Content-Type"), strings.ReplaceAll(body, "\n", "\n    ")))
	return resp, readErr
}

// Access tokens (JWTs) and refresh tokens in JSON bodies never reach the test output.
var secretLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|"(access_token|refresh_token)"\s*:\s*"[^"]*"`)
