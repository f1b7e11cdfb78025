// Command surface counts the exported identifiers of package directories (make surface):
// top-level functions, types, constants and variables, and the exported methods and
// struct fields of exported types. The CHANGELOG gives the counts when a change cuts them.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	for _, dir := range os.Args[1:] {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		n := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				fmt.Fprintln(os.Stderr, "surface:", err)
				os.Exit(1)
			}
			for _, d := range af.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					if d.Recv != nil {
						t := d.Recv.List[0].Type
						if s, ok := t.(*ast.StarExpr); ok {
							t = s.X
						}
						if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
							continue
						}
					}
					n++
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							if s.Name.IsExported() {
								n++
								if st, ok := s.Type.(*ast.StructType); ok {
									for _, fl := range st.Fields.List {
										for _, nm := range fl.Names {
											if nm.IsExported() {
												n++
											}
										}
									}
								}
							}
						case *ast.ValueSpec:
							for _, nm := range s.Names {
								if nm.IsExported() {
									n++
								}
							}
						}
					}
				}
			}
		}
		fmt.Printf("%s\t%d\n", dir, n)
	}
}
