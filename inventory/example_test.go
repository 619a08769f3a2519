package inventory_test

import (
	"fmt"
	"log"

	"github.com/org/calyptos/inventory"
)

// An INI inventory read into hosts with their connection settings, and
// into roles that Ansible host patterns select from.
func Example() {
	inv, err := inventory.Parse("hosts", []byte(`
[web]
web[01:03].example.com ansible_user=deploy
[db]
db1.example.com ansible_host=192.0.2.10 ansible_port=2222
[prod:children]
web
db
[prod:vars]
ntp=time.example.com
`))
	if err != nil {
		log.Fatal(err)
	}
	db, _ := inv.Host("db1.example.com")
	fmt.Println(db.Name, db.Address, db.Port, db.Groups, db.Vars["ntp"])

	hosts, err := inventory.Select(inv.RoleBuilder(), "prod:!web02*")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hosts)

	_, err = inventory.Select(inv.RoleBuilder(), "wbe")
	fmt.Println(err)
	// Output:
	// db1.example.com 192.0.2.10 2222 [all db prod] time.example.com
	// [db1.example.com web01.example.com web03.example.com]
	// host pattern "wbe": "wbe" matches no group and no host (groups with hosts: all, db, prod, web)
}
