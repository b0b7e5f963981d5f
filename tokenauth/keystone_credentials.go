package tokenauth

import "encoding/json"

// passwordAuthBody makes, at build time, the Keystone v3 password
// authentication request auth_token sends for its own service token,
// from keystoneauth's password plugin options: the user (user_id, or
// username with user_domain_id or user_domain_name), password, and the
// scope (project_id, project_name with project_domain_id or
// project_domain_name, domain_id, domain_name, or system_scope).
// default_domain_id and default_domain_name stand in for the user's and
// project's domains, as in keystoneauth. Validate has checked that each
// is given.
func (o AuthTokenOptions) passwordAuthBody() []byte {
	user := map[string]any{"password": o.Password}
	if o.UserID != "" {
		user["id"] = o.UserID
	} else {
		user["name"] = o.Username
		user["domain"] = o.domainRef(o.UserDomainID, o.UserDomainName)
	}

	var scope map[string]any
	switch {
	case o.ProjectID != "":
		scope = map[string]any{"project": map[string]any{"id": o.ProjectID}}
	case o.ProjectName != "":
		scope = map[string]any{"project": map[string]any{
			"name":   o.ProjectName,
			"domain": o.domainRef(o.ProjectDomainID, o.ProjectDomainName),
		}}
	case o.DomainID != "":
		scope = map[string]any{"domain": map[string]any{"id": o.DomainID}}
	case o.DomainName != "":
		scope = map[string]any{"domain": map[string]any{"name": o.DomainName}}
	case o.SystemScope != "":
		scope = map[string]any{"system": map[string]any{o.SystemScope: true}}
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

// domainRef is {"id": id} or {"name": name} for a domain, else the
// default domain's, or nil when none is given.
func (o AuthTokenOptions) domainRef(id, name string) map[string]any {
	switch {
	case id != "":
		return map[string]any{"id": id}
	case name != "":
		return map[string]any{"name": name}
	case o.DefaultDomainID != "":
		return map[string]any{"id": o.DefaultDomainID}
	case o.DefaultDomainName != "":
		return map[string]any{"name": o.DefaultDomainName}
	}
	return nil
}
