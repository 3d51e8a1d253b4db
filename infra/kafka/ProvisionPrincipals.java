// Gives the local broker one SCRAM-SHA-512 user per service and that service's ACLs, through the Kafka Admin API on the
// PLAINTEXT listener (whose ANONYMOUS principal is a super user: see server.properties). Run by infra/kafka/kafka.sh with
// Java's source-file mode (java -cp "<kafka libs>/*" ProvisionPrincipals.java ...), so nothing is compiled ahead.
//
// Usage: ProvisionPrincipals <bootstrap host:port> <acls.generated.tsv> <password prefix>
//   Each principal named in the file gets the password <prefix><principal> (development credentials, loopback only).
// Idempotent: a user's credential is upserted, an existing ACL is created again as a no-op.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class ProvisionPrincipals {
  // Kafka's own default for SCRAM-SHA-512 credentials (and the broker's minimum).
  private static final int ITERATIONS = 4096;

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ProvisionPrincipals <bootstrap host:port> <acl file> <password prefix>");
      System.exit(2);
    }
    Set<String> principals = new LinkedHashSet<>();
    List<AclBinding> acls = new ArrayList<>();
    int lineNumber = 0;
    for (String line : Files.readAllLines(Path.of(args[1]))) {
      lineNumber++;
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] f = line.split("\t");
      if (f.length != 5) throw new IllegalArgumentException(args[1] + ":" + lineNumber + ": expected 5 tab-separated fields, got " + f.length);
      principals.add(f[0]);
      ResourcePattern resource = new ResourcePattern(ResourceType.fromString(f[1]), f[3], PatternType.fromString(f[2]));
      AccessControlEntry entry = new AccessControlEntry("User:" + f[0], "*", AclOperation.fromString(f[4]), AclPermissionType.ALLOW);
      if (resource.isUnknown() || entry.isUnknown()) throw new IllegalArgumentException(args[1] + ":" + lineNumber + ": unknown resource, pattern or operation");
      acls.add(new AclBinding(resource, entry));
    }
    Properties config = new Properties();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(config)) {
      List<UserScramCredentialAlteration> users = new ArrayList<>();
      for (String principal : principals) {
        users.add(new UserScramCredentialUpsertion(principal, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), args[2] + principal));
      }
      admin.alterUserScramCredentials(users).all().get(60, TimeUnit.SECONDS);
      admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
    }
    System.err.println("[infra] kafka: " + principals.size() + " SCRAM-SHA-512 users, " + acls.size() + " ACLs");
  }
}
