// Package apigolden lists the exported API of a Go package as sorted
// lines, one per exported name, field and method, in the spirit of Go's own
// api/go1.*.txt files: a test compares them with golden files under api/,
// so that no change of the public API goes unrecorded.
//
// It reads the source only (go/ast, with the build constraints of the
// running platform), so it is fast and needs no type checking; parameter
// names and struct tags are left out, since changing them breaks no caller.
package apigolden

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// Dump returns the exported API of the package in dir as sorted lines.
func Dump(dir string) ([]string, error) {
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	d := &dumper{fset: fset}
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			d.decl(decl)
		}
	}
	slices.Sort(d.lines)
	return slices.Compact(d.lines), nil
}

type dumper struct {
	fset  *token.FileSet
	lines []string
}

func (d *dumper) add(format string, args ...any) {
	d.lines = append(d.lines, fmt.Sprintf(format, args...))
}

// text prints a node as gofmt would, on one line.
func (d *dumper) text(n ast.Node) string {
	var b bytes.Buffer
	printer.Fprint(&b, d.fset, n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func (d *dumper) decl(decl ast.Decl) {
	switch decl := decl.(type) {
	case *ast.FuncDecl:
		d.funcDecl(decl)
	case *ast.GenDecl:
		for _, spec := range decl.Specs {
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				d.typeSpec(spec)
			case *ast.ValueSpec:
				d.valueSpec(decl.Tok, spec)
			}
		}
	}
}

func (d *dumper) funcDecl(fn *ast.FuncDecl) {
	if !fn.Name.IsExported() {
		return
	}
	sig := d.signature(fn.Type)
	if fn.Recv == nil {
		d.add("func %s%s%s", fn.Name.Name, d.typeParams(fn.Type.TypeParams), sig)
		return
	}
	recv := fn.Recv.List[0].Type
	base := recv
	if s, ok := base.(*ast.StarExpr); ok {
		base = s.X
	}
	if ix, ok := base.(*ast.IndexExpr); ok {
		base = ix.X
	} else if ix, ok := base.(*ast.IndexListExpr); ok {
		base = ix.X
	}
	if id, ok := base.(*ast.Ident); ok && !id.IsExported() {
		return
	}
	d.add("method (%s) %s%s", d.text(recv), fn.Name.Name, sig)
}

// signature prints a function type without parameter names.
func (d *dumper) signature(ft *ast.FuncType) string {
	s := "(" + d.fieldTypes(ft.Params) + ")"
	if ft.Results != nil {
		r := d.fieldTypes(ft.Results)
		if len(ft.Results.List) == 1 && len(ft.Results.List[0].Names) <= 1 {
			s += " " + r
		} else {
			s += " (" + r + ")"
		}
	}
	return s
}

func (d *dumper) fieldTypes(fl *ast.FieldList) string {
	if fl == nil {
		return ""
	}
	var out []string
	for _, f := range fl.List {
		n := max(1, len(f.Names))
		for range n {
			out = append(out, d.text(f.Type))
		}
	}
	return strings.Join(out, ", ")
}

func (d *dumper) typeParams(fl *ast.FieldList) string {
	if fl == nil {
		return ""
	}
	return d.text(&ast.IndexListExpr{X: ast.NewIdent(""), Indices: []ast.Expr{&ast.Ident{Name: d.paramList(fl)}}})
}

func (d *dumper) paramList(fl *ast.FieldList) string {
	var out []string
	for _, f := range fl.List {
		var names []string
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		out = append(out, strings.Join(names, ", ")+" "+d.text(f.Type))
	}
	return strings.Join(out, ", ")
}

func (d *dumper) typeSpec(ts *ast.TypeSpec) {
	if !ts.Name.IsExported() {
		return
	}
	name := ts.Name.Name + d.typeParams(ts.TypeParams)
	if ts.Assign.IsValid() {
		d.add("type %s = %s", name, d.text(ts.Type))
		return
	}
	switch t := ts.Type.(type) {
	case *ast.StructType:
		d.add("type %s struct", name)
		for _, f := range t.Fields.List {
			d.member(name+" struct", f, false)
		}
	case *ast.InterfaceType:
		d.add("type %s interface", name)
		for _, f := range t.Methods.List {
			d.member(name+" interface", f, true)
		}
	default:
		d.add("type %s %s", name, d.text(ts.Type))
	}
}

// member adds an exported field, embedded type or interface method.
func (d *dumper) member(owner string, f *ast.Field, iface bool) {
	if len(f.Names) == 0 {
		t := d.text(f.Type)
		if iface || ast.IsExported(strings.TrimLeft(t[strings.LastIndex(t, ".")+1:], "*")) {
			d.add("type %s, embedded %s", owner, t)
		}
		return
	}
	for _, n := range f.Names {
		if !n.IsExported() {
			continue
		}
		if ft, ok := f.Type.(*ast.FuncType); ok && iface {
			d.add("type %s, %s%s", owner, n.Name, d.signature(ft))
			continue
		}
		d.add("type %s, %s %s", owner, n.Name, d.text(f.Type))
	}
}

func (d *dumper) valueSpec(tok token.Token, vs *ast.ValueSpec) {
	for i, n := range vs.Names {
		if !n.IsExported() {
			continue
		}
		line := tok.String() + " " + n.Name
		if vs.Type != nil {
			line += " " + d.text(vs.Type)
		}
		if tok == token.CONST && i < len(vs.Values) {
			line += " = " + d.text(vs.Values[i])
		}
		d.lines = append(d.lines, line)
	}
}
