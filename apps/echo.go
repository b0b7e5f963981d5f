package apps

import (
	"encoding/json"
	"net/http"

	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/request"
)

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
	Identity        *request.Identity   `json:"identity,omitempty"`
	Conf            map[string]string   `json:"conf"`
	GlobalConf      map[string]string   `json:"global_conf"`
}

// EchoOptions are what the echo app shows of its configuration: a
// paste section's local and global configuration (the paste side fills
// them in; echo has no options of its own).
type EchoOptions struct {
	// Conf is shown as "conf": the section's local_conf.
	Conf map[string]string
	// GlobalConf is shown as "global_conf".
	GlobalConf map[string]string
}

// NewEcho returns the echo app: it answers every request with what it saw, as JSON: method, path,
// script name, query, host, scheme, client address, headers, the request
// id, the identity filters set, and its own configuration. Put it where
// a real app will go to check what a pipeline does to requests (which
// prefix urlmap moved, what http_proxy_to_wsgi applied, which identity
// keystonecontext built). Configuration values are masked as package
// redact masks them (secret keys such as admin_password, URL passwords),
// and so is the token of the identity; the request's own headers are
// echoed as sent, since the client sent them. A debugging tool: do not
// expose it.
func NewEcho(o EchoOptions) (http.Handler, error) {
	local, global := redact.Map(o.Conf, o.GlobalConf), redact.Map(o.GlobalConf, o.Conf)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := echoReply{
			Method: r.Method, Path: r.URL.Path, ScriptName: request.ScriptName(r), Query: r.URL.RawQuery,
			Host: r.Host, Scheme: request.Scheme(r), RemoteAddr: r.RemoteAddr, ApplicationURL: request.ApplicationURL(r),
			Headers: r.Header, RequestID: request.ID(r.Context()), GlobalRequestID: request.GlobalID(r.Context()),
			Conf: local, GlobalConf: global,
		}
		if id, ok := request.IdentityFrom(r.Context()); ok {
			masked := *id
			if masked.AuthToken != "" {
				masked.AuthToken = redact.Mask
			}
			reply.Identity = &masked
		}
		body, _ := json.MarshalIndent(reply, "", "  ")
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(body, '\n'))
	}), nil
}
