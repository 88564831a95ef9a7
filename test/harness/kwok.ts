// kwok manages (plays the kubelet for) exactly the Nodes carrying this annotation; other Nodes are left alone.
export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_ANNOTATION_VALUE = 'fake';
