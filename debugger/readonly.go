package debugger

// ReadOnly methods say which debuggers change nothing on the hosts and
// collect nothing, so that a monitoring loop (package serve) may run them
// on an interval. EucalyptusSosreports has none: it runs sosreport, which
// writes an archive on each host, and collects it.

// ReadOnly reports true: CheckPorts only lists sockets.
func (*CheckPorts) ReadOnly() bool { return true }

// ReadOnly reports true: ComponentStorageCheck only reads sizes.
func (*ComponentStorageCheck) ReadOnly() bool { return true }

// ReadOnly reports true: DebugCloudController only queries services and
// sizes.
func (*DebugCloudController) ReadOnly() bool { return true }

// ReadOnly reports true: DebugClusterController only queries a service.
func (*DebugClusterController) ReadOnly() bool { return true }

// ReadOnly reports true: DebugComputeReq only reads the system's facts.
func (*DebugComputeReq) ReadOnly() bool { return true }

// ReadOnly reports true: DebugNodeController only queries services.
func (*DebugNodeController) ReadOnly() bool { return true }

// ReadOnly reports true: FilePermissions only reads owners.
func (*FilePermissions) ReadOnly() bool { return true }

// ReadOnly reports whether the multicast test, which starts iperf servers
// and may install iperf, is off.
func (d *VerifyComponentNetworking) ReadOnly() bool { return !d.AllowSideEffects && !d.InstallPackages }

// ReadOnly reports true: VerifyNetworking only opens TCP connections.
func (*VerifyNetworking) ReadOnly() bool { return true }
