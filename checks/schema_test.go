package checks

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// schemaPath is the JSON Schema of the format, generated from the table
// of resource types by TestSchema:
//
//	CALYPTOS_UPDATE_SCHEMA=1 go test -run TestSchema ./checks
const schemaPath = "../docs/checks.schema.json"

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/definitions/" + name} }

// kindSchemas are the definitions of the values of each kind.
func kindSchemas() obj {
	scalar := obj{"type": []string{"string", "number", "boolean"}}
	return obj{
		"bool":     obj{"type": "boolean"},
		"text":     obj{"anyOf": []any{scalar, ref("matcher")}},
		"number":   obj{"anyOf": []any{obj{"type": []string{"number", "string"}}, ref("matcher")}},
		"list":     obj{"anyOf": []any{scalar, obj{"type": "array"}, ref("matcher")}},
		"lines":    obj{"anyOf": []any{obj{"type": "string"}, obj{"type": "array", "items": obj{"type": "string"}}, ref("matcher")}},
		"mode":     obj{"type": "string", "pattern": "^0?[0-7]{3,4}$"},
		"size":     obj{"type": []string{"string", "number"}},
		"percent":  obj{"type": []string{"string", "number"}},
		"duration": obj{"type": []string{"string", "integer"}},
		"strings":  obj{"type": "array", "items": obj{"type": "string"}},
		"matcher":  matcherSchema(),
	}
}

func matcherSchema() obj {
	props := obj{}
	for _, n := range matcherNames {
		switch n {
		case "lt", "le", "gt", "ge":
			props[n] = obj{"type": "number"}
		case "have-len":
			props[n] = obj{"type": "integer", "minimum": 0}
		case "have-prefix", "have-suffix", "contain-substring", "match-regexp":
			props[n] = obj{"type": "string"}
		case "and", "or", "contain-elements", "consist-of":
			props[n] = obj{"type": "array"}
		default:
			props[n] = obj{}
		}
	}
	return obj{"type": "object", "minProperties": 1, "additionalProperties": false, "properties": props}
}

var kindNames = map[kind]string{kBool: "bool", kText: "text", kNum: "number", kList: "list", kLines: "lines", kMode: "mode",
	kMinSize: "size", kMinFree: "size", kMaxPct: "percent", kMaxSkew: "duration",
	oText: "text", oBool: "bool", oDuration: "duration", oTexts: "strings"}

// resourceSchema is one resource type's attributes.
func resourceSchema(t *resourceType) obj {
	props := obj{"skip": obj{"type": "boolean"}, "title": obj{"type": "string"}, "meta": obj{}, "hint": obj{"type": "string"}}
	for _, a := range t.attrs {
		props[a.name] = ref(kindNames[a.kind])
	}
	if t.nameAttr != "" {
		props[t.nameAttr] = obj{"type": []string{"string", "number"}}
	}
	s := obj{"type": "object", "additionalProperties": false, "properties": props,
		"description": "the attributes of a " + t.name + " resource: see docs/checks.md#" + t.name}
	if len(t.required) > 0 {
		s["required"] = t.required
	}
	if len(t.anyOf) > 0 {
		var any []any
		for _, a := range t.anyOf {
			any = append(any, obj{"required": []string{a}})
		}
		s["anyOf"] = any
	}
	return s
}

// schema returns the JSON Schema (draft 7) of a checks file.
func schema() obj {
	defs := kindSchemas()
	roleProps := obj{}
	for _, t := range resourceTypes() {
		defs[t.name] = resourceSchema(t)
		if t.singleton {
			roleProps[t.name] = ref(t.name)
		} else {
			roleProps[t.name] = obj{"type": "object", "additionalProperties": ref(t.name)}
		}
	}
	defs["role"] = obj{"type": "object", "additionalProperties": false, "properties": roleProps}
	defs["edge"] = obj{"type": "object", "additionalProperties": false, "required": []string{"from", "to", "port"},
		"properties": obj{"from": obj{"type": "string"}, "to": obj{"type": "string"},
			"port": obj{"type": "integer", "minimum": 1, "maximum": 65535}, "expect": obj{"enum": []string{"open", "closed"}},
			"timeout": ref("duration"), "hint": obj{"type": "string"}, "title": obj{"type": "string"}, "skip": obj{"type": "boolean"}, "meta": obj{}}}
	return obj{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"$id":                  "https://github.com/org/calyptos/docs/checks.schema.json",
		"title":                "calyptos checks file (docs/checks.md)",
		"type":                 "object",
		"additionalProperties": false,
		"properties": obj{
			"roles": obj{"type": "object", "additionalProperties": ref("role")},
			"reach": obj{"type": "array", "items": ref("edge")},
		},
		"definitions": defs,
	}
}

func TestSchema(t *testing.T) {
	want, err := json.MarshalIndent(schema(), "", "  ")
	require.NoError(t, err)
	want = append(want, '\n')
	if os.Getenv("CALYPTOS_UPDATE_SCHEMA") == "1" {
		require.NoError(t, os.WriteFile(schemaPath, want, 0o644))
	}
	got, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "docs/checks.schema.json is not the table's: regenerate it (see schemaPath)")
}

// TestSchemaValidatesExamples checks every example file, and the tests'
// files, against the schema, and that it refuses a bad one.
func TestSchemaValidatesExamples(t *testing.T) {
	var s obj
	b, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &s))
	ex, err := os.ReadFile("../examples/fleet/checks.yml")
	require.NoError(t, err)
	for name, src := range map[string]string{"examples/fleet/checks.yml": string(ex), "everyType": everyType, "fleet40": fleet40} {
		var doc any
		require.NoError(t, yaml.Unmarshal([]byte(src), &doc), name)
		assert.Empty(t, validate(s, s, jsonish(doc), "$"), name)
	}
	var bad any
	require.NoError(t, yaml.Unmarshal([]byte("roles:\n  web:\n    service:\n      nginx: {runing: true}\nreach:\n  - {from: a, to: b, port: 0, expect: maybe}\n"), &bad))
	assert.Equal(t, []string{
		"$.reach[0].expect: not one of [open closed]",
		"$.reach[0].port: less than 1",
		`$.roles.web.service.nginx: no "runing"`,
		"$.roles.web.service.nginx: none of anyOf",
	}, slices.Sorted(slices.Values(validate(s, s, bad, "$"))))
}

// jsonish makes a YAML document what JSON would hold: mappings with
// string keys (a YAML port key "443:" is an int).
func jsonish(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonish(e)
		}
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonish(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonish(e)
		}
	}
	return v
}

// validate checks v against the part of JSON Schema the schema uses
// (type, properties, additionalProperties, required, anyOf, enum, items,
// minimum, maximum, pattern, $ref) and returns the problems.
func validate(root, s obj, v any, path string) []string {
	if r, ok := s["$ref"].(string); ok {
		return validate(root, root["definitions"].(obj)[r[len("#/definitions/"):]].(obj), v, path)
	}
	var errs []string
	if ts, ok := s["type"]; ok && !typeOK(ts, v) {
		return []string{fmt.Sprintf("%s: not of type %v", path, ts)}
	}
	if as, ok := s["anyOf"].([]any); ok && !slices.ContainsFunc(as, func(a any) bool { return len(validate(root, a.(obj), v, path)) == 0 }) {
		errs = append(errs, path+": none of anyOf")
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		errs = append(errs, fmt.Sprintf("%s: not one of %v", path, e))
	}
	if n, ok := v.(int); ok {
		if m, ok := s["minimum"].(float64); ok && float64(n) < m {
			errs = append(errs, fmt.Sprintf("%s: less than %v", path, m))
		}
		if m, ok := s["maximum"].(float64); ok && float64(n) > m {
			errs = append(errs, fmt.Sprintf("%s: more than %v", path, m))
		}
	}
	if p, ok := s["pattern"].(string); ok {
		if str, _ := v.(string); !regexp.MustCompile(p).MatchString(str) {
			errs = append(errs, path+": does not match "+p)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		errs = append(errs, validateObject(root, s, x, path)...)
	case []any:
		if items, ok := s["items"].(obj); ok {
			for i, it := range x {
				errs = append(errs, validate(root, items, it, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func validateObject(root, s obj, x map[string]any, path string) []string {
	var errs []string
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %q", path, r))
			}
		}
	}
	props, _ := s["properties"].(obj)
	for k, val := range x {
		if ps, ok := props[k].(obj); ok {
			errs = append(errs, validate(root, ps, val, path+"."+k)...)
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			if !ap {
				errs = append(errs, fmt.Sprintf("%s: no %q", path, k))
			}
		case obj:
			errs = append(errs, validate(root, ap, val, path+"."+k)...)
		}
	}
	return errs
}

// typeOK reports whether v is of JSON type ts (a name or a list).
func typeOK(ts, v any) bool {
	names, ok := ts.([]any)
	if !ok {
		names = []any{ts}
	}
	for _, n := range names {
		switch x := v.(type) {
		case map[string]any:
			if n == "object" {
				return true
			}
		case []any:
			if n == "array" {
				return true
			}
		case string:
			if n == "string" {
				return true
			}
		case bool:
			if n == "boolean" {
				return true
			}
		case int:
			if n == "integer" || n == "number" {
				return true
			}
		case float64:
			if n == "number" || n == "integer" && x == float64(int64(x)) {
				return true
			}
		}
	}
	return false
}
