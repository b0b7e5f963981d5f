package tokenauth

import (
	"encoding/json"
	"strings"
)

// The service catalog of a Keystone v3 token, as far as auth_token uses
// it: to find the identity endpoint its own token should be validated
// against, and to hand the user's catalog to the app in
// X-Service-Catalog.

type v3Service struct {
	Type      string       `json:"type"`
	Name      string       `json:"name,omitempty"`
	Endpoints []v3Endpoint `json:"endpoints"`
}

type v3Endpoint struct {
	Interface string `json:"interface"`
	Region    string `json:"region"`
	RegionID  string `json:"region_id"`
	URL       string `json:"url"`
}

// identityEndpoint returns the v3 root of the catalog's identity
// endpoint for iface (public, internal or admin) in region (any region
// when ""), or "" when the catalog has none; keystonemiddleware likewise
// validates tokens against the endpoint of its interface option rather
// than auth_url.
func identityEndpoint(catalog []v3Service, iface, region string) string {
	for _, s := range catalog {
		if s.Type != "identity" {
			continue
		}
		for _, e := range s.Endpoints {
			if !strings.EqualFold(e.Interface, iface) {
				continue
			}
			if region != "" && e.RegionID != region && e.Region != region {
				continue
			}
			return v3Root(e.URL)
		}
	}
	return ""
}

// v3Root turns an identity URL as catalogs and auth_url options write it
// (http://h:5000, http://h:5000/v3/, http://h/identity, or an old
// http://h:5000/v2.0) into the v3 API root without a trailing slash.
// keystoneauth discovers the version; these are the forms in use.
func v3Root(u string) string {
	u = strings.TrimRight(u, "/")
	switch {
	case strings.HasSuffix(u, "/v3"):
		return u
	case strings.HasSuffix(u, "/v2.0"):
		return strings.TrimSuffix(u, "/v2.0") + "/v3"
	}
	return u + "/v3"
}

// v2Catalog renders a v3 catalog in the v2 form X-Service-Catalog has
// always carried, as keystonemiddleware's _v3_to_v2_catalog: per service
// its type, name and one endpoint entry per region holding
// "<interface>URL" keys.
func v2Catalog(catalog []v3Service) string {
	type v2Service struct {
		Type      string              `json:"type"`
		Name      string              `json:"name,omitempty"`
		Endpoints []map[string]string `json:"endpoints"`
	}
	out := make([]v2Service, 0, len(catalog))
	for _, s := range catalog {
		v2 := v2Service{Type: s.Type, Name: s.Name, Endpoints: []map[string]string{}}
		byRegion := map[string]map[string]string{}
		for _, e := range s.Endpoints {
			region, ok := byRegion[e.Region]
			if !ok {
				region = map[string]string{}
				if e.Region != "" {
					region["region"] = e.Region
				}
				byRegion[e.Region] = region
				v2.Endpoints = append(v2.Endpoints, region)
			}
			region[strings.ToLower(e.Interface)+"URL"] = e.URL
		}
		out = append(out, v2)
	}
	b, _ := json.Marshal(out)
	return string(b)
}
