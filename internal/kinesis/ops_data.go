package kinesis

// dataState is the record actions' private state (routing caches, ...).
type dataState struct{}

func (s *Server) initData() {}

// dataOps lists the record actions: puts, iterators and reads.
func (s *Server) dataOps() map[string]op {
	return map[string]op{}
}
