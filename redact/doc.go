// Package redact is pasteserve's one rule for what it never prints: the
// values of secret configuration keys, secret HTTP headers and query
// parameters, and the password of a URL. Every place that prints or logs
// configuration, headers, URLs, bodies or panics asks this package (the
// graph, config and check commands, the server's option dump, access
// log and panic log, the debug, access_log, catch_errors and
// fault_wrapper filters, echo, proxy, source excerpts, and factory
// errors, whether recorded through Config.Errorf or returned), so that a
// value masked in one is masked in all.
//
// # Names
//
// A configuration key is split into words at anything that is not a
// letter or digit and at camelCase boundaries ("admin_password",
// "session.secret", "X-Auth-Token" and "adminPass" are all two or three
// words); case does not matter, trailing digits are ignored
// ("password2"), and so are words that are only digits ("key-2"). The key
// names a secret when its last word, the head of the name, does:
//
//   - password, passwd, passphrase, passcode (TOTP's), pswd, pass,
//     secret, token, sig or signature, singular or plural, or a word that
//     ends in one of password, passwd, passphrase, secret and token
//     ("adminpassword", "clientsecret", "authtoken");
//   - key or keys after a word that says what kind of key it is: secret,
//     private, api, access, auth, encryption, encrypt, encrypted, crypt, crypto,
//     signing, sign, hmac, master, shared, validate, validation, fernet,
//     license or jwt, or a secret word as above ("memcache_secret_key",
//     "hmac_keys", "X-Api-Key"); Swift's temp_url_key; or a word that is
//     one of those kinds followed by "key" ("apikey", "secretkey").
//
// A head of value, data, string, str, text, hash, b64, base64, hex,
// encoded, encrypted, plain or raw is looked through: "password_hash" is
// the word before it that decides.
//
// Some secrets are one word that no word of the rule ends: the compounds
// of "pass" that name passwords (adminpass, newpass, oldpass, userpass,
// rootpass; "pass" is no suffix, for "bypass" and "compass"), and
// oslo.utils' one-word names (see below). These are matched against the
// last run of letters and digits of the name, whatever its case, so
// that TripleO's "CephClientKey" is "cephclientkey".
//
// The headers an OpenTelemetry exporter sends its collector are its
// credentials under names of any kind (x-honeycomb-team, authorization),
// so the options that hold them are secret whole: pasteserve's
// tracing_headers and the SDKs' OTEL_EXPORTER_OTLP_HEADERS and
// OTEL_EXPORTER_OTLP_TRACES_HEADERS, in any case, after a group
// ("DEFAULT.tracing_headers") too.
//
// A key that is one of urlmap's paths ("/v1/secrets", "/v3/auth/tokens",
// "domain example.com /x", "port 8080 /x", or a URL) is no name: it is
// never secret, whatever its last word.
//
// Deciding by the head rather than by any word is what keeps the false
// positives out: "token_cache_time" is a time, "password_file" and
// "secret_key_file" are paths (to files that hold secrets, but printing
// the path gives nothing away), "service_token_roles" is a list of
// roles, "enforce_token_bind" a policy; and "cache_key", "sort_key" and
// "colon_key" are keys of no secret kind. Beaker's "session.key" is the
// name of its cookie, not a secret, and "ssh_key" settings are public
// keys or switches, so neither session nor ssh makes a key secret.
//
// # Values
//
// Whatever its key, a value that holds a URL with a password
// ("mysql+pymysql://nova:pw@db/nova", oslo.messaging's
// "rabbit://a:pw1@h1,b:pw2@h2/") is printed with the password masked, and
// so is a name=value pair inside it whose name is a secret query
// parameter ("host=db password=pw", "http://x/?token=t"); see Text. The
// password of a URL runs to the last '@' before the host, as SQLAlchemy
// reads it, so a ',', '?' or '#' in it is masked with it
// ("mysql://nova:p?w@db/nova"); and a user name with no password that is
// 20 characters or more is a token ("https://TOKEN@github.com"). An
// empty secret value is printed as empty: that it is unset is worth
// seeing. So is a boolean word (true, false, yes, no, on, off): such a
// value is a switch whatever its name says, as in CKAN's
// "ckan.auth.create_default_api_keys = true".
//
// Swift's tempauth writes a user as "user_<account>_<user> = <password>
// <group> ...": the first word of such a value is masked
// ("**** .admin .reseller_admin"). Only keys of that form (three parts,
// as tempauth requires) are read so, and not keystoneauth's
// user_domain_name and user_domain_id, which have it too.
//
// Interpolation can put a secret under a key that names none: with
// "db_pass = hunter2" in [DEFAULT], "basic = user:%(db_pass)s" is
// "user:hunter2". Where configuration is printed (Map, Secrets), every
// secret value of 4 bytes or more is also masked wherever another value
// holds it ("user:****"); shorter ones would mask "1" everywhere. So
// it is in the messages of factory errors (Secrets.Text).
//
// # Headers
//
// A request or response header is secret when its last word is
// Authorization (Authorization, Proxy-Authorization, X-Authorization,
// X-Forwarded-Authorization), when it is Cookie, Set-Cookie or
// Keystone's Openstack-Auth-Receipt, or when its name is secret by the
// rule for keys: every X-*-Token (X-Auth-Token, X-Subject-Token,
// X-Service-Token, X-Storage-Token), X-Auth-Key, X-Api-Key, Swift's
// X-Storage-Pass and X-Account-Meta-Temp-URL-Key. Other header values go
// through Text, so a Referer, Location or User-Agent with ?token= is
// masked too.
//
// # Query parameters
//
// A query (or form) parameter is secret when its name is secret by the
// rule for keys (token, access_token, password, secret, client_secret,
// api_key, temp_url_sig, X-Amz-Signature, ...) or is plain "key" (as in
// API-key schemes like ?key=), "jwt", "pwd" or "pw" (ODBC's "Pwd=" in a
// connection string). Parameters are separated by '&' or ';' (older
// WSGI servers split on both), and names are percent-decoded before they
// are judged ("api%5Fkey"). The parameters of a path's segments
// ("/x;password=pw") are judged alike; see URL.
//
// # Bodies
//
// Body masks what the debug filter prints. In a JSON body, a member
// whose name is secret by the rule for headers (which takes in the rule
// for keys: "password", "passcode", "Authorization", "Cookie") has all
// of its value masked: a string or number, and every string and number
// in an object or array under it, at any depth
// ({"password": {"value": ...}}). Keystone's descriptions are the
// exception: an object under "token" has only its "id" (the token) and
// its own secret members masked, and so has the object of a login method
// under "identity", so that who logs in and when a token expires stay
// readable. Other strings go through Text (an echoed "query":
// "token=t"), or, when they hold JSON themselves (Keystone's credential
// blobs), are masked as JSON; the rest of the text is as it was.
// Form-encoded bodies are masked as queries; other text (text/*, XML,
// JavaScript, and bodies with no type that are valid UTF-8) goes through
// Text, or is masked as JSON when it is JSON (an API that serves JSON as
// text/plain). Anything else, and any body that is not valid UTF-8, is
// not printed at all: only its size and type are. Binary data is
// unreadable on a terminal, and there is no telling what it holds.
//
// # Compared with oslo
//
// oslo.utils' strutils.mask_password and mask_dict_password decide by
// substring: a key is secret when it contains any of a list of words
// (_SANITIZE_KEYS: password, secret, token, private_key, ...). That masks
// "token_cache_time" and "password_file", and misses "api_key" and
// "hmac_keys". This package decides by the head of the name instead,
// adds key kinds, and masks URL passwords, which oslo.config leaves to
// options declared secret. It takes oslo's words (those of oslo.utils
// 6.0, Debian's) and its digit suffixes ("password2"): its names of
// values (password, admin_pass, auth_token, private_key, fernetkey, ...)
// are secret by the head rule, and its one-word names (configdrive,
// sslkey, rabbitcookie, keystonecredential, swifthashsuffix, the ceph*key
// and *key names of TripleO, and Ceph's cephxkey) are compounds. Two of
// its words are not taken: secret_uuid (nova's rbd_secret_uuid is the
// UUID by which libvirt names a secret, not the secret) and
// cephclusterfsid (a Ceph cluster's id); printing them gives nothing
// away. It masks with "****", as oslo.config's log_opt_values
// does, where mask_password writes "***". Unlike mask_password it does
// not look for "password = x" with spaces around the '=' in free text: in
// pasteserve's messages that form is advice ("write set password = ..."),
// not a value.
//
// What no rule catches: a secret under a name that does not say so
// (Authorize.net's "authorizenetkey", a token in a URL path). Print such
// a file with care; "pasteserve config --show-secrets" and "pasteserve
// graph --show-secrets" print every value as written.
package redact
