package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"retention/config"
)

// yamlDocs decodes every document of a YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, d)
	}
}

// dig follows keys (and list indexes given as ints) into decoded YAML.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no %q in %v", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("no item %d in %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

func loadsAsConfig(t *testing.T, name, body string) config.Config {
	t.Helper()
	c, err := config.Load(strings.NewReader(body), func(string) string { return "" })
	if err != nil {
		t.Fatalf("%s is not a valid configuration: %v", name, err)
	}
	return c
}

func TestDockerCompose(t *testing.T) {
	t.Parallel()
	docs := yamlDocs(t, "deploy/docker-compose.yaml")
	services := dig(t, docs[0], "services").(map[string]any)
	for _, s := range []string{"demo-data", "mysql", "retention", "mailpit"} {
		if services[s] == nil {
			t.Errorf("no service %s", s)
		}
	}
	if got := dig(t, services, "retention", "command", 0); got != "schedule" {
		t.Errorf("the job's command is %v, want schedule", got)
	}
	if got := dig(t, services, "demo-data", "command"); !strings.Contains(strings.Join(toStrings(got), " "), "demo --sql /seed/demo.sql") {
		t.Errorf("demo-data runs %v", got)
	}
	dsn := dig(t, services, "retention", "environment", "RETENTION_SOURCE_DSN").(string)
	if !strings.HasPrefix(dsn, "retention:") {
		t.Errorf("the job does not use the read-only account: %s", dsn)
	}
	init, err := os.ReadFile("deploy/mysql/init/10-demo.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(init), "GRANT SELECT ON shop.* TO 'retention'") || !strings.Contains(string(init), "SOURCE /seed/demo.sql") {
		t.Errorf("the MySQL init script does not load the demo and grant read-only access")
	}
	b, err := os.ReadFile("deploy/retention.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := loadsAsConfig(t, "deploy/retention.yaml", string(b))
	if c.Schedule.Cron == nil || c.Report.OutDir != "/out" {
		t.Errorf("deploy/retention.yaml: schedule %q, out_dir %q", c.Schedule.Spec, c.Report.OutDir)
	}
	testComposeMail(t, services, c)
}

// testComposeMail: the compose demo delivers to its mail catcher, whose
// web UI a newcomer opens, every demo department's workbook to its own
// people and company.xlsx to finance.
func testComposeMail(t *testing.T, services map[string]any, c config.Config) {
	t.Helper()
	if image := dig(t, services, "mailpit", "image").(string); !strings.HasPrefix(image, "axllent/mailpit") {
		t.Errorf("the mail catcher runs %s, want axllent/mailpit", image)
	}
	if ports := strings.Join(toStrings(dig(t, services, "mailpit", "ports")), " "); !strings.Contains(ports, "8025:8025") {
		t.Errorf("the mail catcher's web UI is not published: ports %s", ports)
	}
	if dig(t, services, "retention", "depends_on", "mailpit") == nil {
		t.Error("the job does not wait for the mail catcher")
	}
	e := c.Delivery.Email
	if e == nil {
		t.Fatal("deploy/retention.yaml delivers nothing")
	}
	if e.SMTP.Addr != "mailpit:1025" || e.SMTP.TLS.String() != "none" || e.SMTP.Username != "" {
		t.Errorf("delivery goes to %v, want the mail catcher's plain SMTP, without an account", e.SMTP)
	}
	if len(e.Company) == 0 {
		t.Error("nobody receives company.xlsx")
	}
	var routed []string
	for _, r := range e.Departments {
		routed = append(routed, r.Department)
	}
	// The demo's departments (jobs/demo), each routed.
	if got, want := strings.Join(routed, " "), "华东 华北 华南 西南 线上/直营"; got != want {
		t.Errorf("routed departments %s, want the demo's %s", got, want)
	}
}

func TestKubernetes(t *testing.T) {
	t.Parallel()
	var cronjob, configMap map[string]any
	for _, d := range yamlDocs(t, "deploy/kubernetes/cronjob.yaml") {
		switch d["kind"] {
		case "CronJob":
			cronjob = d
		case "ConfigMap":
			configMap = d
		}
	}
	if cronjob == nil || configMap == nil {
		t.Fatal("cronjob.yaml lacks the CronJob or its ConfigMap")
	}
	spec := dig(t, cronjob, "spec")
	if dig(t, spec, "concurrencyPolicy") != "Forbid" || dig(t, spec, "timeZone") != "Asia/Shanghai" {
		t.Errorf("CronJob concurrencyPolicy %v, timeZone %v", dig(t, spec, "concurrencyPolicy"), dig(t, spec, "timeZone"))
	}
	loadsAsConfig(t, "the ConfigMap's retention.yaml", dig(t, configMap, "data", "retention.yaml").(string))
	for _, pod := range []any{dig(t, spec, "jobTemplate", "spec", "template", "spec"),
		dig(t, yamlDocs(t, "deploy/kubernetes/backfill-job.yaml")[0], "spec", "template", "spec")} {
		c := dig(t, pod, "containers", 0)
		env := dig(t, c, "env", 0)
		if dig(t, env, "name") != "RETENTION_SOURCE_DSN" || dig(t, env, "valueFrom", "secretKeyRef", "name") != "retention-source" {
			t.Errorf("the DSN does not come from the secret: %v", env)
		}
		if dig(t, c, "volumeMounts", 0, "mountPath") != "/out" || dig(t, pod, "volumes", 0, "persistentVolumeClaim", "claimName") != "retention-out" {
			t.Errorf("no output volume at /out")
		}
		args := strings.Join(toStrings(dig(t, c, "args")), " ")
		if !strings.HasPrefix(args, "run ") && !strings.HasPrefix(args, "backfill ") {
			t.Errorf("container args %q", args)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
