{{- define "mailrelay-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mailrelay-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mailrelay-operator.labels" -}}
app.kubernetes.io/name: {{ include "mailrelay-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mailrelay-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mailrelay-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mailrelay-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mailrelay-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "mailrelay-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The UID (and GID) the chart's pods run as, from .Values.uid; empty when the platform assigns it. */}}
{{- define "mailrelay-operator.uid" -}}
{{- $uid := toString .Values.uid -}}
{{- if eq $uid "auto" -}}
{{- if not (.Capabilities.APIVersions.Has "security.openshift.io/v1") -}}10025{{- end -}}
{{- else if ne $uid "none" -}}
{{- $uid -}}
{{- end -}}
{{- end -}}

{{/* The operator pod's securityContext: podSecurityContext, with runAsUser/runAsGroup from uid unless set there. */}}
{{- define "mailrelay-operator.podSecurityContext" -}}
{{- $context := deepCopy .Values.podSecurityContext -}}
{{- with include "mailrelay-operator.uid" . -}}
{{- $context = merge $context (dict "runAsUser" (atoi .) "runAsGroup" (atoi .)) -}}
{{- end -}}
{{- toYaml $context -}}
{{- end -}}
