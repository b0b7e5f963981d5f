// Package tokenauth holds pasteserve's token filters, which tell the
// app behind them who a request's token stands for:
//
//   - auth_token, keystonemiddleware's AuthProtocol: asks Keystone
//     (GET /v3/auth/tokens, with a service token of its own) and caches
//     the answers (authtoken.go, keystone*.go, cache.go), in the process
//     or in memcached, in keystonemiddleware's own format, shared with
//     the Python services of a fleet (memcache*.go);
//   - jwt_token: a JSON Web Token checked locally with an HS256 secret or
//     the keys of a JWKS file (jwt*.go);
//   - static_token: a fixed file of tokens and the identities they stand
//     for (static.go).
//
// They differ only in their verifier. What they do with a request is
// keystonemiddleware's process_request, shared (flow.go): strip the
// identity headers the client sent, verify X-Service-Token and
// X-Auth-Token, answer 401 (or 503 when the verifier cannot tell) unless
// delay_auth_decision, and write X-User-Id, X-Project-Id, X-Roles and
// the other identity headers (identity.go), with the caller's
// request.Identity in the context (authrequest.go). Tokens never reach a
// log line; a token's SHA-256 prefix does.
//
// The package imports request, fault and reqlog, never filters: the
// filters that usually sit around it in a pipeline (request_id,
// keystonecontext) meet it only through the request.
//
// Each is Go first: NewAuthToken(AuthTokenOptions), NewJWTToken
// (JWTTokenOptions) and NewStaticToken(StaticTokenOptions) return the
// middleware with no paste file and no registry. The options structs
// share TokenOptions (and CacheOptions; auth_token also has
// MemcacheOptions) as embedded structs; their paste
// tags are the names a paste file uses (package options decodes them),
// and DefaultXxxOptions holds keystonemiddleware's defaults.
//
// Package builtin registers the three filters under
// egg:pasteserve#auth_token, #jwt_token and #static_token and the
// references real paste files use (keystonemiddleware.auth_token:filter_factory);
// the package registers nothing itself:
//
//	import _ "github.com/pasteserve/pasteserve/builtin"
//
// Their options are in docs/auth.md.
package tokenauth
