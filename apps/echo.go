package apps

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/loader"
)

// echo answers every request with what it saw, as JSON: method, path,
// script name, query, host, scheme, client address, headers, the request
// id, the identity filters set, and its own configuration. Put it where
// a real app will go to check what a pipeline does to requests (which
// prefix urlmap moved, what http_proxy_to_wsgi applied, which identity
// keystonecontext built). Configuration values whose key mentions a
// password, secret, token or key are masked; the request's own headers
// are echoed as sent. A debugging tool: do not expose it.
func init() {
	loader.Register(loader.Factory{
		Name: "echo",
		Kind: loader.KindApp,
		Doc:  "answers with the request it saw (method, path, script name, headers) and its conf, as JSON",
		App:  newEcho,
	})
}

type echoReply struct {
	Method          string              `json:"method"`
	Path            string              `json:"path"`
	ScriptName      string              `json:"script_name"`
	Query           string              `json:"query"`
	Host            string              `json:"host"`
	Scheme          string              `json:"scheme"`
	RemoteAddr      string              `json:"remote_addr"`
	ApplicationURL  string              `json:"application_url"`
	Headers         map[string][]string `json:"headers"`
	RequestID       string              `json:"request_id,omitempty"`
	GlobalRequestID string              `json:"global_request_id,omitempty"`
	Identity        *filters.Identity   `json:"identity,omitempty"`
	Conf            map[string]string   `json:"conf"`
	GlobalConf      map[string]string   `json:"global_conf"`
}

func newEcho(cfg *loader.Config) (http.Handler, error) {
	local, global := maskConf(cfg.Local), maskConf(cfg.Global)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := echoReply{
			Method: r.Method, Path: r.URL.Path, ScriptName: loader.ScriptName(r), Query: r.URL.RawQuery,
			Host: r.Host, Scheme: filters.Scheme(r), RemoteAddr: r.RemoteAddr, ApplicationURL: filters.ApplicationURL(r),
			Headers: r.Header, RequestID: filters.RequestID(r.Context()), GlobalRequestID: filters.GlobalRequestID(r.Context()),
			Conf: local, GlobalConf: global,
		}
		if id, ok := filters.IdentityFrom(r.Context()); ok {
			masked := *id
			if masked.AuthToken != "" {
				masked.AuthToken = "*****"
			}
			reply.Identity = &masked
		}
		body, _ := json.MarshalIndent(reply, "", "  ")
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(body, '\n'))
	}), cfg.Err()
}

func maskConf(conf map[string]string) map[string]string {
	out := make(map[string]string, len(conf))
	for k, v := range conf {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "password") || strings.Contains(lk, "secret") || strings.Contains(lk, "token") || strings.Contains(lk, "key") {
			v = "*****"
		}
		out[k] = v
	}
	return out
}
