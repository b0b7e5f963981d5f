package tokenauth

import "encoding/json"

// passwordAuthBody makes, at build time, the Keystone v3 password
// authentication request auth_token sends for its own service token,
// from keystoneauth's password plugin options: the user (user_id, or
// username with user_domain_id or user_domain_name), password, and the
// scope (project_id, project_name with project_domain_id or
// project_domain_name, domain_id, domain_name, or system_scope).
// default_domain_id and default_domain_name stand in for the user's and
// project's domains, as in keystoneauth.
func passwordAuthBody(o optionSource) []byte {
	user := map[string]any{"password": o.required("the password of auth_token's service user", "password")}
	if id := o.str("", "user_id"); id != "" {
		user["id"] = id
	} else {
		user["name"] = o.required("the name of the service user auth_token authenticates as (or user_id)", "username", "user_name")
		user["domain"] = domainRef(o, "user_domain_id", "user_domain_name", "the service user's domain")
	}

	var scope map[string]any
	switch {
	case o.str("", "project_id") != "":
		scope = map[string]any{"project": map[string]any{"id": o.str("", "project_id")}}
	case o.str("", "project_name", "tenant_name") != "":
		scope = map[string]any{"project": map[string]any{
			"name":   o.str("", "project_name", "tenant_name"),
			"domain": domainRef(o, "project_domain_id", "project_domain_name", "the service project's domain"),
		}}
	case o.str("", "domain_id") != "":
		scope = map[string]any{"domain": map[string]any{"id": o.str("", "domain_id")}}
	case o.str("", "domain_name") != "":
		scope = map[string]any{"domain": map[string]any{"name": o.str("", "domain_name")}}
	case o.str("", "system_scope") != "":
		scope = map[string]any{"system": map[string]any{o.str("", "system_scope"): true}}
	default:
		o.errorf("project_name", "is required (or project_id, domain_name, domain_id, system_scope): the scope of auth_token's service token, which Keystone requires to validate tokens")
	}

	auth := map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": user}},
	}
	if scope != nil {
		auth["scope"] = scope
	}
	b, _ := json.Marshal(map[string]any{"auth": auth})
	return b
}

// domainRef is {"id": ...} or {"name": ...} for a domain given by idKey
// or nameKey, else by default_domain_id or default_domain_name.
func domainRef(o optionSource, idKey, nameKey, what string) map[string]any {
	if id := o.str("", idKey); id != "" {
		return map[string]any{"id": id}
	}
	if name := o.str("", nameKey); name != "" {
		return map[string]any{"name": name}
	}
	if id := o.str("", "default_domain_id"); id != "" {
		return map[string]any{"id": id}
	}
	if name := o.str("", "default_domain_name"); name != "" {
		return map[string]any{"name": name}
	}
	o.errorf(nameKey, "is required (or %s): %s, usually Default", idKey, what)
	return nil
}
