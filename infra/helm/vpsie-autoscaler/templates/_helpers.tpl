{{/* The labels every object carries (as the kustomize base's `labels:` adds them), plus commonLabels. */}}
{{- define "vpsie-autoscaler.labels" -}}
app.kubernetes.io/name: vpsie-autoscaler-forwarder
app.kubernetes.io/part-of: vpsie-autoscaler
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pod selector: name only, so commonLabels never change an immutable selector. */}}
{{- define "vpsie-autoscaler.selector" -}}
app.kubernetes.io/name: vpsie-autoscaler-forwarder
{{- end -}}

{{- define "vpsie-autoscaler.name" -}}vpsie-autoscaler-forwarder{{- end -}}

{{- define "vpsie-autoscaler.namespace" -}}{{ .Values.namespace.name }}{{- end -}}

{{/* A number as the forwarder's environment parser reads it: YAML numbers reach templates as
floats, and "1.8e+06" is not a number to it; integers are printed whole. */}}
{{- define "vpsie-autoscaler.number" -}}
{{- if eq (float64 .) (floor .) }}{{ int64 . }}{{ else }}{{ . }}{{ end -}}
{{- end -}}

{{/* The forwarder's V8 heap in MiB: heapPercent % of resources.limits.memory, the one setting of its
memory (docs/sizing.md). The rest of the limit is Node's code and buffers (~70 MiB, measured). */}}
{{- define "vpsie-autoscaler.heapMiB" -}}
{{- $memory := toString (.Values.resources.limits | default dict).memory -}}
{{- $mib := 0 -}}
{{- if regexMatch "^[0-9]+Gi$" $memory -}}{{- $mib = mul (trimSuffix "Gi" $memory | atoi) 1024 -}}
{{- else if regexMatch "^[0-9]+Mi$" $memory -}}{{- $mib = trimSuffix "Mi" $memory | atoi -}}
{{- else -}}{{- fail (printf "resources.limits.memory must be set in Mi or Gi (e.g. 256Mi), not %q: it sizes the forwarder's heap (docs/sizing.md)" $memory) -}}
{{- end -}}
{{- div (mul $mib .Values.heapPercent) 100 -}}
{{- end -}}
