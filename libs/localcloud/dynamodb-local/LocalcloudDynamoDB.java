import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local on one address and any free port, for the local cloud (libs/localcloud).
 *
 * DynamoDB Local has no host option and binds every interface; it also refuses port 0. Its server is built
 * from the usual command line (DynamoDB Local's own options pass through), then the Jetty connector of the
 * returned proxy server (the private field "server") is given the host and port before start().
 *
 * System properties: localcloud.host (default 127.0.0.1), localcloud.port (default 0: any free port).
 * Prints "localcloud-dynamodb-local HOST PORT" once it listens. Exits when its standard input closes, so
 * it never outlives the process that started it, however that process ends.
 */
public final class LocalcloudDynamoDB {
    private LocalcloudDynamoDB() {}

    public static void main(String[] args) throws Exception {
        String host = System.getProperty("localcloud.host", "127.0.0.1");
        int port = Integer.getInteger("localcloud.port", 0);
        String[] withPort = new String[args.length + 2];
        withPort[0] = "-port";
        withPort[1] = "8000"; // a placeholder DynamoDB Local accepts; the connector gets the real port below
        System.arraycopy(args, 0, withPort, 2, args.length);
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(withPort);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost(host);
            ((ServerConnector) connector).setPort(port);
        }
        proxy.start();
        int bound = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        System.out.println("localcloud-dynamodb-local " + host + " " + bound);
        System.out.flush();
        while (System.in.read() != -1) {
            // the parent never writes; end of input means it has gone
        }
        System.exit(0);
    }
}
