package vaulttest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTokenQuery(t *testing.T) {
	q, err := parseTokenQuery(`select id, name__v FROM api_access_token__sys where user__sys = '12' and name__v = 'O\'Neil \\ 100\% ''x'' \* \n'`)
	if err != nil {
		t.Fatal(err)
	}
	want := tokenQuery{fields: []string{"id", "name__v"}, where: map[string]string{"user__sys": "12", "name__v": `O'Neil \ 100% 'x' * ` + "\n"}}
	if diff := cmp.Diff(want, q, cmp.AllowUnexported(tokenQuery{})); diff != "" {
		t.Errorf("parsed (-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"",
		"SELECT id FROM documents",
		"SELECT id FROM api_access_token__sys WHERE name__v = 'a' OR name__v = 'b'",
		"SELECT id FROM api_access_token__sys WHERE name__v = 'a",
		`SELECT id FROM api_access_token__sys WHERE name__v = 'a\x'`,
		"SELECT id FROM api_access_token__sys WHERE name__v LIKE 'a%'",
		"SELECT secret FROM api_access_token__sys",
		"SELECT id FROM api_access_token__sys WHERE user__sys = '1' AND user__sys = '2'",
		"SELECT ID FROM api_access_token__sys",
		"SELECT id FROM api_access_token__sys WHERE name__v = a",
	} {
		if _, err := parseTokenQuery(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}
