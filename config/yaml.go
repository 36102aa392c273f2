package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decode reads the YAML document into d: strictly, every key known and
// set once, each value of the kind its key takes. Errors name the key
// and its line.
func (d *document) decode(root *yaml.Node) error {
	if root.Kind == 0 {
		return nil // empty document
	}
	doc := root
	if doc.Kind == yaml.DocumentNode {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil
	}
	return fields(doc, "", map[string]func(*yaml.Node, string) error{
		"timezone": str(&d.timezone),
		"schedule": str(&d.schedule),
		"targets":  targets(&d.targets),
		"delivery": d.delivery.decode,
		"source": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"dsn":        str(&d.source.dsn),
				"timezone":   str(&d.source.timezone),
				"orders":     str(&d.source.orders),
				"complaints": str(&d.source.complaints),
				"customers": func(n *yaml.Node, key string) error {
					d.source.customersSet = true
					return str(&d.source.customers)(n, key)
				},
				"retries": func(n *yaml.Node, key string) error {
					d.source.retriesSet = true
					return integer(&d.source.retries)(n, key)
				},
				"shards": func(n *yaml.Node, key string) error {
					d.source.shardsSet = true
					return integer(&d.source.shards)(n, key)
				},
			})
		},
		"report": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"out_dir":       str(&d.report.outDir),
				"granularity":   str(&d.report.granularity),
				"history":       integer(&d.report.history),
				"locale":        str(&d.report.locale),
				"currency":      str(&d.report.currency),
				"at_risk_limit": integer(&d.report.atRiskLimit),
				"restatement_tolerance": func(n *yaml.Node, key string) error {
					d.report.toleranceSet = true
					return number(&d.report.tolerance)(n, key)
				},
			})
		},
		"store": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"dsn": str(&d.store.dsn),
			})
		},
		"gate": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"max_order_drop": func(n *yaml.Node, key string) error {
					d.gate.dropSet = true
					return number(&d.gate.maxOrderDrop)(n, key)
				},
				"max_skipped_ratio": func(n *yaml.Node, key string) error {
					d.gate.skippedSet = true
					return number(&d.gate.maxSkippedRatio)(n, key)
				},
			})
		},
	})
}

// number decodes a decimal number; a value ending in % is a percentage.
func number(dst *float64) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		text, scale := strings.TrimSpace(n.Value), 1.0
		if strings.HasSuffix(text, "%") {
			text, scale = strings.TrimSuffix(text, "%"), 0.01
		}
		v, err := strconv.ParseFloat(text, 64)
		if n.Kind != yaml.ScalarNode || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("%q is not a number", n.Value)}
		}
		*dst = v * scale
		return nil
	}
}

// fields decodes a mapping whose keys must all be known.
func fields(n *yaml.Node, prefix string, known map[string]func(*yaml.Node, string) error) error {
	name := strings.TrimSuffix(prefix, ".")
	if n.Kind != yaml.MappingNode {
		if name == "" {
			name = "config"
		}
		return &Error{Key: name, Line: n.Line, Msg: "must be a mapping of keys to values"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if k.Kind != yaml.ScalarNode || name == "" || strings.ContainsAny(name, "\x00\n") {
			name = strconv.Quote(name) // shown as written, whatever it holds
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		f, ok := known[k.Value]
		if !ok || k.Kind != yaml.ScalarNode {
			return &Error{Key: key, Line: k.Line, Msg: "unknown key"}
		}
		if seen[k.Value] {
			return &Error{Key: key, Line: k.Line, Msg: "set twice"}
		}
		seen[k.Value] = true
		if err := f(v, key); err != nil {
			return err
		}
	}
	return nil
}

func str(dst *string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return &Error{Key: key, Line: n.Line, Msg: "must be a string"}
		}
		*dst = n.Value
		return nil
	}
}

func boolean(dst *bool) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.ScalarNode || (n.Value != "true" && n.Value != "false") {
			return &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("%q is not true or false", n.Value)}
		}
		*dst = n.Value == "true"
		return nil
	}
}

func integer(dst *int) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		v, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			return &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("%q is not a whole number", n.Value)}
		}
		*dst = v
		return nil
	}
}
