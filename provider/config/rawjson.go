package config

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// RawJSON is a YAML value kept as JSON text, for fields whose schema belongs
// to another package (a JWK Set is parsed by go-jose, which reads JSON).
// YAML is a superset of JSON, so an operator may paste the JSON as is.
type RawJSON []byte

// UnmarshalYAML implements yaml.Unmarshaler.
func (r *RawJSON) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	v, err := jsonable(v)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	if v == nil {
		*r = nil
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*r = b
	return nil
}

// jsonable turns what yaml.v3 decodes into values encoding/json accepts:
// mappings with non-string keys have no JSON form.
func jsonable(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case map[any]any:
		return nil, fmt.Errorf("mapping keys must be strings to be JSON")
	case []any:
		for i, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	}
	return v, nil
}
