module github.com/clusterlab/rawkv-workload/plan

go 1.19
