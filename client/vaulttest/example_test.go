package vaulttest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// A test of code that creates tokens: a fake Vault, a client pointed at it, a session that
// idles out on the fake's clock, and an assertion on what the fake issued.
func ExampleNewServer() {
	fake, err := vaulttest.NewServer(vaulttest.Config{SessionIdleTimeout: 10 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	c, _ := client.New(fake.DNS,
		client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("integration@veepharm.com", "integration-password")))
	ctx := context.Background()
	_, _ = c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "first"})
	fake.Advance(15 * time.Minute) // the session idles out; the client logs in again
	_, err = c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "second"})

	fmt.Println("error:", err)
	fmt.Println("logins:", fake.Count(openapi.OpAuthenticate), "tokens:", len(fake.Tokens()))
	fmt.Println("violations:", len(fake.Violations()))
	// Output:
	// error: <nil>
	// logins: 2 tokens: 2
	// violations: 0
}

func ExampleServer_Inject() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")))

	if err := fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.GatewayError}); err != nil {
		log.Fatal(err)
	}
	_, err = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var unexpected *client.UnexpectedResponseError
	if errors.As(err, &unexpected) {
		fmt.Println(unexpected.HTTPStatus, unexpected.Excerpt)
	}
	// Output:
	// 502 502 Bad Gateway 502 Bad Gateway
}
