// The etcd lab's peer proxy: one per member, in front of the member's peer port. Standard
// library only, so it builds anywhere Go >= 1.21 runs and its tests need no network.
module github.com/clusterlab/etcd-peer-proxy

go 1.21
