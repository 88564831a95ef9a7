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
