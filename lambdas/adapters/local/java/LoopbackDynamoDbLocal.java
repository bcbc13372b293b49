/*
 * Starts DynamoDB Local listening on 127.0.0.1 only.
 *
 * DynamoDB Local has no option for the listening address: its Jetty server binds every
 * interface, so anyone on the same network could read and rewrite the local stack's policy
 * and bills (it has no authentication). This launcher builds the server exactly as
 * DynamoDB Local's own main does, sets the host of its connectors to the loopback address
 * before starting it, and then starts it.
 *
 * Compiled for Java 17 into LoopbackDynamoDbLocal.class beside this file (the class file is
 * committed: a JRE, without javac, runs it). Rebuild with:
 *   javac --release 17 -cp 'DynamoDBLocal.jar:DynamoDBLocal_lib/*' -d . LoopbackDynamoDbLocal.java
 */
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    String host = System.getProperty("bm.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector c : server.getConnectors()) {
      if (c instanceof ServerConnector) {
        ((ServerConnector) c).setHost(host);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind to " + host);
    proxy.start();
  }
}
