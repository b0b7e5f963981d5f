// Package request holds what describes an HTTP request as a paste
// pipeline sees it, rather than what any one filter or app does with it:
// the values the server and the filters attach to a request, and the
// ones computed from it, that every later handler reads the same way.
//
//   - its ids: the local id (ID, NewID, set by the server or the
//     request_id filter), the client's global id (GlobalID), and IDHeader,
//     the header OpenStack returns the id in;
//   - its script name (ScriptName, Mount, WithScriptName): WSGI's
//     SCRIPT_NAME, the prefix routing has moved out of the URL path;
//   - who it acts as (Identity, IdentityFrom, WithIdentity), as
//     auth_token, keystonecontext and the noauth filters find out;
//   - the URL the client reached it at (Scheme, ApplicationURL), webob's
//     wsgi.url_scheme and application_url;
//   - the room a server keeps for the requests of one connection
//     (ConnSlots, and Mounting for a router's copy), where handlers keep
//     what they would otherwise allocate per request.
//
// A filter sets them and any handler inside reads them, without either
// importing the other: the server, loader, filters, token auth and apps
// all import this package, and it imports only the standard library.
//
// What does not belong here: how a filter decides (request_id's check of
// an inbound id is ValidID, but what to do with it is the filter's), a
// filter's options, response bodies, logging, and anything that needs a
// package outside the standard library.
package request
