// Package filters holds pasteserve's built-in filters: the Go
// counterparts of the WSGI middleware that OpenStack and Paste
// pipelines name (oslo.middleware's request_id, correlation_id, catch_errors,
// http_proxy_to_wsgi, cors, sizelimit, healthcheck, debug and
// basic_auth; the noauth and keystonecontext filters of the services;
// Paste's prefix, gzip, errordocument and translogger). The token
// filters (auth_token, jwt_token, static_token) are package tokenauth.
//
// Each filter lives in its own file. Package builtin registers it under
// a Go name (egg:pasteserve#NAME) and under every Python reference real
// paste files use for it, so an unchanged api-paste.ini builds:
//
//	[filter:request_id]
//	paste.filter_factory = oslo_middleware:RequestId.factory
//
// resolves to NewRequestID. Each filter is a Go constructor, NewXxx,
// taking an XxxOptions struct whose paste tags name its keys; from a
// paste file, package options decodes the section into that struct once,
// when the pipeline is built, and a bad value fails the build with the
// key's file:line:col, never a request. What a filter computes per
// request is only what depends on the request.
//
// Filters pass what they learn to the handlers inside them through the
// request context, with the accessors of package request: request.ID and
// request.GlobalID, request.IdentityFrom, and (for the proxy headers)
// request.Scheme and request.ApplicationURL. Handlers read them there
// without importing this package.
// Each request's zerolog logger (zerolog.Ctx) carries the request id once
// request_id has run; install a per-request logger outside the pipeline
// with hlog.NewHandler (or the access_log filter) for that.
//
// The package registers nothing: a paste file gets the filters through
// package builtin,
//
//	import _ "github.com/pasteserve/pasteserve/builtin"
//
// and a Go program that uses a filter as plain middleware gets no
// registry.
//
// The options, defaults and an example for each filter are in
// docs/filters.md.
package filters
