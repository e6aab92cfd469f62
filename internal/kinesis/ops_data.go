package kinesis

// dataOps lists the record actions: puts, iterators and reads.
func (s *Server) dataOps() map[string]op {
	return map[string]op{}
}
