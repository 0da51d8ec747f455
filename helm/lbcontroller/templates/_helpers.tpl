{{/* Names, labels, and the values the templates derive from config. */}}

{{- define "lbcontroller.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lbcontroller.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lbcontroller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lbcontroller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lbcontroller.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "lbcontroller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The ServiceAccount the controller runs as: its name, then its namespace. */}}
{{- define "lbcontroller.serviceAccountName" -}}
{{- if .Values.sidecar.enabled }}
{{- .Values.sidecar.serviceAccount.name }}
{{- else }}
{{- default (include "lbcontroller.fullname" .) .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "lbcontroller.serviceAccountNamespace" -}}
{{- if .Values.sidecar.enabled }}
{{- default .Release.Namespace .Values.sidecar.serviceAccount.namespace }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/* The config file as rendered: values.config with the chart's defaults filled in. */}}
{{- define "lbcontroller.configData" -}}
{{- $defaults := dict "controller" (dict "leaderElection" (dict "namespace" .Release.Namespace)) }}
{{- $config := mergeOverwrite $defaults (deepCopy .Values.config) }}
{{- toYaml $config }}
{{- end }}

{{- define "lbcontroller.leaseNamespace" -}}
{{- $config := include "lbcontroller.configData" . | fromYaml }}
{{- dig "controller" "leaderElection" "namespace" .Release.Namespace $config }}
{{- end }}

{{- define "lbcontroller.leaseName" -}}
{{- dig "controller" "leaderElection" "name" "lbcontroller" .Values.config }}
{{- end }}

{{/* The port of controller.metricsAddress (/healthz, /readyz, /metrics); checks the host. */}}
{{- define "lbcontroller.metricsPort" -}}
{{- $address := dig "controller" "metricsAddress" "0.0.0.0:8080" .Values.config }}
{{- $host := regexReplaceAll ":[0-9]+$" $address "" }}
{{- if has $host (list "127.0.0.1" "localhost" "[::1]") }}
{{- fail (printf "config.controller.metricsAddress %q listens on loopback only: the kubelet's probes and Prometheus could not reach it (use 0.0.0.0:PORT)" $address) }}
{{- end }}
{{- if not (regexMatch ":[0-9]+$" $address) }}
{{- fail (printf "config.controller.metricsAddress %q has no port (expected HOST:PORT)" $address) }}
{{- end }}
{{- regexFind "[0-9]+$" $address }}
{{- end }}

{{/* Checks that no schema can express. */}}
{{- define "lbcontroller.validate" -}}
{{- $election := dig "controller" "leaderElection" "enabled" true .Values.config }}
{{- if and (not .Values.sidecar.enabled) (gt (int .Values.replicas) 1) (not $election) }}
{{- fail (printf "replicas is %d but config.controller.leaderElection.enabled is false: replicas would write at the same time (enable leader election or set replicas: 1)" (int .Values.replicas)) }}
{{- end }}
{{- end }}

{{/* Cloud credential files from existing Secrets: which variable points at which mount. */}}
{{- define "lbcontroller.credentialFiles" -}}
{{- $vars := dict "aws" "AWS_SHARED_CREDENTIALS_FILE" "gcp" "GOOGLE_APPLICATION_CREDENTIALS" "openstack" "OS_CLIENT_CONFIG_FILE" }}
{{- range $cloud := list "aws" "gcp" "openstack" }}
{{- $ref := get $.Values.credentials $cloud | default dict }}
{{- if $ref.secretName }}
- cloud: {{ $cloud }}
  env: {{ get $vars $cloud }}
  secretName: {{ $ref.secretName }}
  key: {{ $ref.key | default (get (dict "aws" "credentials" "gcp" "key.json" "openstack" "clouds.yaml") $cloud) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The controller's container: the Deployment's, and the sidecar snippet in NOTES. */}}
{{- define "lbcontroller.container" -}}
- name: lbcontroller
  image: {{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - run
    - --config
    - /etc/lbcontroller/config.yaml
    {{- range .Values.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    {{- range (include "lbcontroller.credentialFiles" . | fromYamlArray) }}
    - name: {{ .env }}
      value: {{ printf "/etc/lbcontroller/credentials/%s/%s" .cloud .key | quote }}
    {{- end }}
    {{- range .Values.env }}
    - name: {{ .name }}
      value: {{ .value | quote }}
    {{- end }}
  {{- with .Values.credentials.envFromSecret }}
  envFrom:
    - secretRef:
        name: {{ . }}
  {{- end }}
  ports:
    - name: metrics
      containerPort: {{ include "lbcontroller.metricsPort" . }}
      protocol: TCP
  livenessProbe:
    httpGet:
      path: /healthz
      port: metrics
    initialDelaySeconds: 10
    periodSeconds: 10
    timeoutSeconds: 3
    failureThreshold: 3
  readinessProbe:
    httpGet:
      path: /readyz
      port: metrics
    periodSeconds: 5
    timeoutSeconds: 3
    failureThreshold: 3
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
    capabilities:
      drop: [ALL]
    seccompProfile:
      type: RuntimeDefault
  volumeMounts:
    - name: lbcontroller-config
      mountPath: /etc/lbcontroller/config.yaml
      subPath: config.yaml
      readOnly: true
    - name: lbcontroller-tmp
      mountPath: /tmp
    {{- range (include "lbcontroller.credentialFiles" . | fromYamlArray) }}
    - name: {{ printf "lbcontroller-%s-credentials" .cloud }}
      mountPath: {{ printf "/etc/lbcontroller/credentials/%s" .cloud }}
      readOnly: true
    {{- end }}
{{- end }}

{{/* The pod volumes the container mounts. */}}
{{- define "lbcontroller.volumes" -}}
- name: lbcontroller-config
  configMap:
    name: {{ include "lbcontroller.fullname" . }}
- name: lbcontroller-tmp
  emptyDir:
    sizeLimit: 64Mi
{{- range (include "lbcontroller.credentialFiles" . | fromYamlArray) }}
- name: {{ printf "lbcontroller-%s-credentials" .cloud }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: {{ if $.Values.sidecar.enabled }}0444{{ else }}0440{{ end }}
    items:
      - key: {{ .key | quote }}
        path: {{ .key | quote }}
{{- end }}
{{- end }}
