// Command etcdserver is etcd's own server, built from the module the fleet's tests use:
// etcd's release cannot be go installed (its root module has replace directives), and the
// tests that run etcd as separate processes need the server as a program. It takes etcd's
// flags.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
