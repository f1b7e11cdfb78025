package vaulttest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// storedQuery is a query's results, kept for its next pages as Vault keeps them (72 hours
// on Vault; for the server's life here).
type storedQuery struct {
	owner   int64
	version string
	rows    []map[string]any
}

// vqlTime is how VQL prints a time.
const vqlTime = "2006-01-02T15:04:05.000Z"

// record is a token as its api_access_token__sys record reads in VQL.
func record(t Token, now time.Time) map[string]any {
	status := "active__v"
	if !t.Active(now) {
		status = "inactive__v"
	}
	rec := map[string]any{
		"id": t.ID, "name__v": t.Name, "user__sys": strconv.FormatInt(t.UserID, 10), "status__v": status,
		"expiry_date__sys": nil, "last_used_date__sys": nil,
	}
	if !t.expireAt.IsZero() {
		rec["expiry_date__sys"] = t.expireAt.UTC().Format(vqlTime)
	}
	if !t.LastUsed.IsZero() {
		rec["last_used_date__sys"] = t.LastUsed.UTC().Format(vqlTime)
	}
	return rec
}

// query runs a token query in vault (see caller) and answers its first page. Users see
// their own tokens, admins everyone's. A deleted token stays listed, inactive, as Vault
// documents ("Access tokens become inactive when they expire or are deleted").
func (s *Server) query(caller User, vault, version, q string, now time.Time) map[string]any {
	parsed, err := parseTokenQuery(q)
	if err != nil {
		return failure("INCORRECT_QUERY_SYNTAX_ERROR", "Error in VQL query: "+err.Error())
	}
	var rows []map[string]any
	for _, t := range s.tokens {
		if t.Sandbox != vault || (!caller.Admin && t.UserID != caller.ID) {
			continue
		}
		rec := record(t, now)
		match := true
		for f, v := range parsed.where {
			if rec[f] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		row := map[string]any{}
		for _, f := range parsed.fields {
			row[f] = rec[f]
		}
		rows = append(rows, row)
	}
	id := executionID()
	s.queries[id] = &storedQuery{owner: caller.ID, version: version, rows: rows}
	return s.page(id, s.queries[id], s.cfg.QueryPageSize, 0)
}

// queryPage answers a page that a reply's next_page or previous_page named.
func (s *Server) queryPage(caller User, id string, params url.Values) map[string]any {
	q, ok := s.queries[id]
	if !ok || q.owner != caller.ID {
		return failure("INVALID_DATA", "Query ["+id+"] was not found or has expired.")
	}
	size, err1 := strconv.Atoi(params.Get("pagesize"))
	offset, err2 := strconv.Atoi(params.Get("pageoffset"))
	if err1 != nil || err2 != nil || size < 1 || offset < 0 {
		return failure("INVALID_DATA", "pagesize and pageoffset must be numbers.")
	}
	return s.page(id, q, size, offset)
}

func (s *Server) page(id string, q *storedQuery, size, offset int) map[string]any {
	total := len(q.rows)
	end := min(offset+size, total)
	data := []map[string]any{}
	if offset < total {
		data = q.rows[offset:end]
	}
	details := map[string]any{"pagesize": size, "pageoffset": offset, "size": len(data), "total": total}
	link := func(at int) string {
		return fmt.Sprintf("/api/%s/query/%s?pagesize=%d&pageoffset=%d", q.version, id, size, at)
	}
	if end < total {
		details["next_page"] = link(end)
	}
	if offset > 0 {
		details["previous_page"] = link(max(0, offset-size))
	}
	return map[string]any{"responseStatus": "SUCCESS", "responseDetails": details, "data": data}
}

// deleteTokens deletes token records in vault, one result per record in the order sent:
// an unknown (or already deleted) ID, or another user's token without admin rights, fails
// on its own. Which error Vault gives for a record that is gone or already deleted is not
// documented: the fake answers INVALID_DATA for both, so a client must look the record up
// to tell them apart.
func (s *Server) deleteTokens(caller User, vault, version string, body []byte, now time.Time) map[string]any {
	var records []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &records); err != nil {
		return failure("INVALID_DATA", "The body must be a JSON array of records with an id.")
	}
	if len(records) > maxDeleteBatch {
		return failure("INVALID_DATA", fmt.Sprintf("At most %d records can be deleted in one call.", maxDeleteBatch))
	}
	results := make([]map[string]any, 0, len(records))
	for _, rec := range records {
		results = append(results, s.deleteToken(caller, vault, version, rec.ID, now))
	}
	return map[string]any{"responseStatus": "SUCCESS", "data": results}
}

func (s *Server) deleteToken(caller User, vault, version, id string, now time.Time) map[string]any {
	for i := range s.tokens {
		t := &s.tokens[i]
		if t.ID != id || t.Sandbox != vault || !t.Revoked.IsZero() {
			continue
		}
		if t.UserID != caller.ID && !caller.Admin {
			return failure("INSUFFICIENT_ACCESS", "User does not have sufficient privileges to delete record ["+id+"].")
		}
		t.Revoked = now
		return map[string]any{"responseStatus": "SUCCESS", "data": map[string]any{
			"id": id, "url": "/api/" + version + "/vobjects/api_access_token__sys/" + id,
		}}
	}
	return failure("INVALID_DATA", "Record ["+id+"] not found.")
}
