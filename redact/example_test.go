package redact_test

import (
	"fmt"
	"net/http"

	"github.com/pasteserve/pasteserve/redact"
)

func Example() {
	// Configuration: the head of the key decides, and URL passwords are
	// masked whatever the key.
	for _, kv := range [][2]string{
		{"admin_password", "s3cret"},
		{"memcache_secret_key", "k3y"},
		{"token_cache_time", "300"},
		{"password_file", "/etc/nova/pw"},
		{"cache_key", "name"},
		{"connection", "mysql+pymysql://nova:pw@db/nova"},
	} {
		fmt.Printf("%s = %s\n", kv[0], redact.Value(kv[0], kv[1]))
	}

	// Headers and query strings, as the debug and access_log filters log
	// them.
	h := http.Header{"X-Auth-Token": {"gAAAA"}, "X-Api-Key": {"k"}, "Accept": {"application/json"}}
	for _, line := range redact.SortedHeaders(h) {
		fmt.Println(line)
	}
	fmt.Println(redact.URL("/v2.0/ports?token=t&limit=10"))

	// Bodies: secret members of JSON.
	fmt.Println(redact.Body("application/json", []byte(`{"user": {"name": "admin", "password": "pw"}}`)))
	// Output:
	// admin_password = ****
	// memcache_secret_key = ****
	// token_cache_time = 300
	// password_file = /etc/nova/pw
	// cache_key = name
	// connection = mysql+pymysql://nova:****@db/nova
	// Accept: application/json
	// X-Api-Key: ****
	// X-Auth-Token: ****
	// /v2.0/ports?token=****&limit=10
	// {"user": {"name": "admin", "password": "****"}}
}
