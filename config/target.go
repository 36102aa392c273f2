package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"retention/transform"
)

// targets decodes the targets key: a list of rules, each a metric key with
// min, max or both, and optionally the departments it applies to
// (company naming the company). A rule is checked as it is read: its
// metric must be a key of the spec and it must bound something.
func targets(dst *[]transform.Target) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.SequenceNode {
			return &Error{Key: key, Line: n.Line, Msg: "must be a list of rules such as {metric: retention_rate, min: 0.6}"}
		}
		for i, item := range n.Content {
			t, err := target(item, fmt.Sprintf("%s[%d]", key, i))
			if err != nil {
				return err
			}
			*dst = append(*dst, t)
		}
		return nil
	}
}

func target(n *yaml.Node, key string) (transform.Target, error) {
	var t transform.Target
	var min, max float64
	var minSet, maxSet bool
	err := fields(n, key, map[string]func(*yaml.Node, string) error{
		"metric": str(&t.Metric),
		"min": func(n *yaml.Node, key string) error {
			minSet = true
			return number(&min)(n, key)
		},
		"max": func(n *yaml.Node, key string) error {
			maxSet = true
			return number(&max)(n, key)
		},
		"departments": names(&t.Scopes),
	})
	if err != nil {
		return t, err
	}
	if _, ok := transform.MetricByKey(t.Metric); !ok {
		if t.Metric == "" {
			return t, &Error{Key: key + ".metric", Line: n.Line, Msg: "missing: name the metric key the rule bounds, such as retention_rate"}
		}
		return t, &Error{Key: key + ".metric", Line: n.Line, Msg: fmt.Sprintf("%q is not a metric key (see docs/metrics.md: %s, …)", t.Metric, metricKeys(6))}
	}
	if !minSet && !maxSet {
		return t, &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("the rule on %s has neither min nor max", t.Metric)}
	}
	if minSet && maxSet && min > max {
		return t, &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("min %g is above max %g", min, max)}
	}
	if minSet {
		t.Min = &min
	}
	if maxSet {
		t.Max = &max
	}
	return t, nil
}

// names decodes a list of department names.
func names(dst *[]string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.SequenceNode {
			return &Error{Key: key, Line: n.Line, Msg: "must be a list of names, such as [华东, company]"}
		}
		for i, item := range n.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" || item.Value == "" {
				return &Error{Key: fmt.Sprintf("%s[%d]", key, i), Line: item.Line, Msg: "must be a department name, or company"}
			}
			*dst = append(*dst, item.Value)
		}
		return nil
	}
}

// metricKeys lists the first n metric keys, for messages.
func metricKeys(n int) string {
	var keys []string
	for _, m := range transform.Metrics[:min(n, len(transform.Metrics))] {
		keys = append(keys, m.Key)
	}
	return strings.Join(keys, ", ")
}
