import packageJson from '../package.json' with { type: 'json' };

// The forwarder's version (the snapshot's forwarder.version) and how it names itself in HTTP
// requests to the kube API and the functions, as kubectl does (<name>/<version> (<os>/<arch>)).

export const FORWARDER_VERSION: string = packageJson.version;

export const FORWARDER_USER_AGENT = `vpsie-autoscaler-forwarder/${FORWARDER_VERSION} (${process.platform}/${process.arch}) node/${process.versions.node}`;
