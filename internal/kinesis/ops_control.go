package kinesis

// controlState is the stream-management actions' private state.
type controlState struct{}

func (s *Server) initControl() {}

// controlOps lists the stream-management actions.
func (s *Server) controlOps() map[string]op {
	return map[string]op{}
}

// startBackground starts the goroutines the Server owns.
func (s *Server) startBackground() {}
