/**
 * Config the CDC lab's tests share. Kubernetes runs only pushed images, so a `cdc` stack on
 * Kubernetes names every image this repo would otherwise build (TiKV-CDC, the RawKV workload,
 * go-ycsb) and renders manifests instead of reaching a cluster.
 */
export const CDC_ON_KUBERNETES = {
    platform: "kubernetes",
    kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" },
    cdc: { image: "registry.local/tikv-cdc:cdc-v1.1.1" },
    workload: { image: "registry.local/rawkv-workload:0.1.0" },
    load: { image: "registry.local/go-ycsb:1.0.1" },
};
