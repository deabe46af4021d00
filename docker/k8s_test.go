package docker

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// k8sObjects reads every manifest named by kustomization.yaml, plus the example Secret,
// by kind/name.
func k8sObjects(t *testing.T) map[string]map[string]any {
	t.Helper()
	kust := yamlDocs(t, "k8s/kustomization.yaml")[0]
	files := []string{"secret.example.yaml"}
	for _, r := range dig(t, "kustomization", kust, "resources").([]any) {
		files = append(files, r.(string))
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		for _, doc := range yamlDocs(t, "k8s/"+f) {
			key := str(t, f, doc, "kind") + "/" + str(t, f, doc, "metadata", "name")
			if _, dup := out[key]; dup {
				t.Fatalf("k8s: %s defined twice", key)
			}
			if str(t, f, doc, "apiVersion") == "" {
				t.Fatalf("k8s/%s: %s has no apiVersion", f, key)
			}
			out[key] = doc
		}
	}
	return out
}

func obj(t *testing.T, objs map[string]map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := objs[key]
	if !ok {
		t.Fatalf("k8s: no %s", key)
	}
	return o
}

func labelsMatch(sel, labels map[string]any) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetesManifests(t *testing.T) {
	objs := k8sObjects(t)
	dep := obj(t, objs, "Deployment/ipcc")
	where := "k8s/deployment.yaml"
	if n := dig(t, where, dep, "spec", "replicas").(int); n < 2 {
		t.Errorf("%s: replicas %d: the lease-based standby needs 2", where, n)
	}
	podLabels := dig(t, where, dep, "spec", "template", "metadata", "labels").(map[string]any)
	if !labelsMatch(dig(t, where, dep, "spec", "selector", "matchLabels").(map[string]any), podLabels) {
		t.Errorf("%s: the selector does not match the pod labels", where)
	}
	// A rolling update cannot wait for the new pods to be Ready while the old active one
	// holds the leases: all old pods may go at once.
	if s := str(t, where, dep, "spec", "strategy", "type"); s == "RollingUpdate" {
		mu := dig(t, where, dep, "spec", "strategy", "rollingUpdate", "maxUnavailable")
		if n, ok := mu.(int); !ok || n < dig(t, where, dep, "spec", "replicas").(int) {
			if mu != "100%" {
				t.Errorf("%s: maxUnavailable %v < replicas: the rollout would wait forever for a standby to become Ready", where, mu)
			}
		}
	}
	pod := dig(t, where, dep, "spec", "template", "spec").(map[string]any)
	c := dig(t, where, pod, "containers", 0).(map[string]any)
	if p := str(t, where, c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("%s: readiness on %s, want /readyz (503 on the standby)", where, p)
	}
	if p := str(t, where, c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("%s: liveness on %s, want /healthz (a standby is alive)", where, p)
	}
	if v := dig(t, where, c, "securityContext", "readOnlyRootFilesystem"); v != true {
		t.Errorf("%s: readOnlyRootFilesystem %v", where, v)
	}
	if v := dig(t, where, pod, "securityContext", "runAsNonRoot"); v != true {
		t.Errorf("%s: runAsNonRoot %v", where, v)
	}
	// The uid is the image's.
	if u := dig(t, where, pod, "securityContext", "runAsUser").(int); u != 10001 {
		t.Errorf("%s: runAsUser %d, the image's user is 10001", where, u)
	}
	// Each controller its own name.
	named := false
	for _, e := range dig(t, where, c, "env").([]any) {
		e := e.(map[string]any)
		if e["name"] == "IPCC_CLUSTER_CONTROLLER_ID" && str(t, where, e, "valueFrom", "fieldRef", "fieldPath") == "metadata.name" {
			named = true
		}
	}
	if !named {
		t.Errorf("%s: IPCC_CLUSTER_CONTROLLER_ID is not the pod's name", where)
	}
	// The Secret it reads exists (as the example) and the config it mounts is the ConfigMap.
	secretName := str(t, where, c, "envFrom", 0, "secretRef", "name")
	secret := obj(t, objs, "Secret/"+secretName)
	cmName := ""
	mounts := map[string]string{}
	for _, m := range dig(t, where, c, "volumeMounts").([]any) {
		m := m.(map[string]any)
		mounts[m["name"].(string)] = m["mountPath"].(string)
	}
	for _, v := range dig(t, where, pod, "volumes").([]any) {
		v := v.(map[string]any)
		if cm, ok := v["configMap"]; ok && mounts[v["name"].(string)] == "/etc/ipcc" {
			cmName = cm.(map[string]any)["name"].(string)
		}
		if pvc, ok := v["persistentVolumeClaim"]; ok {
			obj(t, objs, "PersistentVolumeClaim/"+pvc.(map[string]any)["claimName"].(string))
		}
	}
	cm := obj(t, objs, "ConfigMap/"+cmName)
	args := dig(t, where, c, "args").([]any)
	if len(args) != 3 || args[0] != "serve" || args[2] != "/etc/ipcc/"+firstKey(t, cm["data"]) {
		t.Errorf("%s: args %v do not read the ConfigMap's file", where, args)
	}

	// The ConfigMap's configuration with the Secret's variables loads through ipcc's
	// loader: database, switches (JSON) and all.
	dir := t.TempDir()
	file := filepath.Join(dir, firstKey(t, cm["data"]))
	if err := os.WriteFile(file, []byte(cm["data"].(map[string]any)[firstKey(t, cm["data"])].(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IPCC_CLUSTER_CONTROLLER_ID": "ipcc-7d9f-abcde"}
	for k, v := range dig(t, "secret.example.yaml", secret, "stringData").(map[string]any) {
		env[k] = v.(string)
	}
	cfg := loadIPCC(t, file, env)
	if len(cfg.Switches) == 0 {
		t.Error("k8s: the example Secret's IPCC_SWITCHES gives no switch")
	}
	if !strings.HasPrefix(cfg.Database.URL, "postgres://") {
		t.Errorf("k8s: database %s: two controllers need PostgreSQL", cfg.Database.URL)
	}
	if cfg.Database.AutoMigrate {
		t.Error("k8s: database.auto_migrate must be false (the migrate Job applies migrations; two controllers would race)")
	}
	// The pod's port is http.addr's; the probes and the Service use it.
	_, port := hostPort(t, "http.addr", cfg.HTTP.Addr)
	if p := dig(t, where, c, "ports", 0, "containerPort").(int); itoa(p) != port {
		t.Errorf("%s: containerPort %d, http.addr listens on %s", where, p, port)
	}
	// A clean stop has time for the API drain and the call records' flush.
	grace := time.Duration(dig(t, where, pod, "terminationGracePeriodSeconds").(int)) * time.Second
	if need := cfg.HTTP.ShutdownTimeout + cfg.Database.RecordFlushTimeout; grace <= need {
		t.Errorf("%s: terminationGracePeriodSeconds %s <= http.shutdown_timeout + database.record_flush_timeout = %s: the kubelet would kill ipcc before its clean stop (lease release, records flush) ends", where, grace, need)
	}
	// The media folders are on the shared volume.
	for _, d := range []string{cfg.Media.RecordingDir, cfg.Media.VoicemailDir, cfg.Media.PromptDir, cfg.TTS.CacheDir} {
		if !strings.HasPrefix(d+"/", mounts["media"]+"/") {
			t.Errorf("k8s: %s is not on the media volume (%s)", d, mounts["media"])
		}
	}

	// The Service and the PodDisruptionBudget select the controllers.
	svc := obj(t, objs, "Service/ipcc")
	if !labelsMatch(dig(t, "service.yaml", svc, "spec", "selector").(map[string]any), podLabels) {
		t.Error("k8s/service.yaml: the selector does not match the controllers")
	}
	if tp := dig(t, "service.yaml", svc, "spec", "ports", 0, "targetPort"); tp != "http" && tp != port {
		t.Errorf("k8s/service.yaml: targetPort %v", tp)
	}
	pdb := obj(t, objs, "PodDisruptionBudget/ipcc")
	if !labelsMatch(dig(t, "pdb.yaml", pdb, "spec", "selector", "matchLabels").(map[string]any), podLabels) {
		t.Error("k8s/pdb.yaml: the selector does not match the controllers")
	}
	// The migrate Job runs the same image with the same configuration and secret.
	job := obj(t, objs, "Job/ipcc-migrate")
	jc := dig(t, "migrate-job.yaml", job, "spec", "template", "spec", "containers", 0).(map[string]any)
	if str(t, "migrate-job.yaml", jc, "image") != str(t, where, c, "image") {
		t.Error("k8s/migrate-job.yaml: another image than the Deployment's")
	}
	if ja := dig(t, "migrate-job.yaml", jc, "args").([]any); len(ja) < 2 || ja[0] != "migrate" || ja[1] != "up" {
		t.Errorf("k8s/migrate-job.yaml: args %v, want migrate up", ja)
	}
	if str(t, "migrate-job.yaml", jc, "envFrom", 0, "secretRef", "name") != secretName {
		t.Error("k8s/migrate-job.yaml: another Secret than the Deployment's")
	}

	// kubectl, where installed, builds the kustomization.
	if k, err := exec.LookPath("kubectl"); err == nil {
		if out, err := exec.Command(k, "kustomize", "k8s").CombinedOutput(); err != nil {
			t.Errorf("kubectl kustomize k8s: %v\n%s", err, out)
		}
	}
}

func firstKey(t *testing.T, v any) string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		t.Fatalf("k8s: the ConfigMap must hold one file, got %v", v)
	}
	for k := range m {
		return k
	}
	return ""
}

func TestSystemdUnit(t *testing.T) {
	secs, err := parseINI("ipcc.service", readFile(t, "systemd/ipcc.service"), "#")
	if err != nil {
		t.Fatal(err)
	}
	svc := sections(secs, "Service")
	if len(svc) != 1 {
		t.Fatalf("ipcc.service: want one [Service], got %d", len(svc))
	}
	s := svc[0]
	want := map[string]string{
		"Restart":                 "always", // docs/cluster.md: a controller that lost a lease exits 1
		"User":                    "ipcc",
		"KillSignal":              "SIGTERM",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"PrivateTmp":              "yes",
		"CapabilityBoundingSet":   "",
		"ReadWritePaths":          "/var/lib/ipcc",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK",
	}
	for k, v := range want {
		if got, ok := s.get(k); !ok || got != v {
			t.Errorf("ipcc.service: %s=%q, want %q", k, got, v)
		}
	}
	exe, _ := s.get("ExecStart")
	if f := strings.Fields(exe); len(f) != 4 || f[1] != "serve" || f[2] != "--config" {
		t.Errorf("ipcc.service: ExecStart %q, want BINARY serve --config FILE", exe)
	}
	stop, _ := s.get("TimeoutStopSec")
	d, err := time.ParseDuration(stop)
	if err != nil {
		t.Fatalf("ipcc.service: TimeoutStopSec %q: %v", stop, err)
	}
	// The defaults of a clean stop: http.shutdown_timeout 15s + record_flush_timeout 30s.
	defaults := loadIPCC(t, "", map[string]string{})
	if need := defaults.HTTP.ShutdownTimeout + defaults.Database.RecordFlushTimeout; d <= need {
		t.Errorf("ipcc.service: TimeoutStopSec %s <= %s: systemd would kill ipcc before its clean stop (lease release, records flush) ends", d, need)
	}
	if inst := sections(secs, "Install"); len(inst) != 1 {
		t.Error("ipcc.service: no [Install]")
	}
	// systemd's own check, where systemd is installed (it needs the binary named in
	// ExecStart: a stand-in is used).
	if sa, err := exec.LookPath("systemd-analyze"); err == nil {
		dir := t.TempDir()
		bin := filepath.Join(dir, "ipcc")
		if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		unit := strings.Replace(string(readFile(t, "systemd/ipcc.service")), "ExecStart="+strings.Fields(exe)[0], "ExecStart="+bin, 1)
		if err := os.WriteFile(filepath.Join(dir, "ipcc.service"), []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(sa, "verify", "--man=no", filepath.Join(dir, "ipcc.service")).CombinedOutput()
		// verify also reports the host's missing units (no systemd running in a
		// container); only lines about this unit file count.
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "ipcc.service:") {
				t.Errorf("systemd-analyze verify: %s", l)
			}
		}
		_ = err
	}
}
